#!/usr/bin/env bash
# Installs Rekkord from its signed Debian repository, the way rekkord.org's download page says
# (https://rekkord.org/download; the same steps are the "Install" section of src/rekkord/README.md
# in Koromix/rygel): the keyring goes to /etc/apt/keyrings/koromix-archive-keyring.gpg, the source
# line `deb [signed-by=<keyring>] https://download.koromix.dev/debian stable main` to
# /etc/apt/sources.list.d/koromix.dev-stable.list, then `apt install rekkord`.
#
# The .deb is kept in the runner's tool cache ($RUNNER_TOOL_CACHE/rekkord/<version>/<arch>/), so
# a pinned version already there is installed without touching the network.
#
# Inputs (env): REKKORD_VERSION (empty: the newest in the repository).
# Outputs ($GITHUB_OUTPUT): version (the installed package version), path (the executable).
#
# Test-only overrides, never for workflows:
#   REKKORD_INSTALL_REPOSITORY_URL  the repository instead of https://download.koromix.dev/debian
#   REKKORD_INSTALL_KEY_URL         the keyring instead of <repository>/koromix-archive-keyring.gpg
#   REKKORD_INSTALL_ROOT            a private root: apt's and dpkg's files live under it instead
#                                   of /, so the machine's own apt setup is left alone; no sudo.
set -euo pipefail

readonly DOWNLOAD_PAGE='https://rekkord.org/download'
readonly DEFAULT_REPOSITORY='https://download.koromix.dev/debian'
readonly SUITE='stable' COMPONENT='main'

fail() {
  echo "::error title=Rekkord install::$*"
  exit 1
}

case "$(uname -s)" in
  Linux) ;;
  *) fail "Installing Rekkord is automated on Debian and Ubuntu runners only. On $(uname -s), install it as ${DOWNLOAD_PAGE} describes (macOS and Windows binaries: https://download.koromix.dev/)." ;;
esac
if ! command -v apt-get >/dev/null || ! command -v dpkg >/dev/null; then
  fail "This Linux runner has no apt-get/dpkg (not Debian or Ubuntu). Install Rekkord as ${DOWNLOAD_PAGE} describes (an RPM repository for RHEL, Fedora and Rocky Linux)."
fi

root="${REKKORD_INSTALL_ROOT:-}"
repository="${REKKORD_INSTALL_REPOSITORY_URL:-$DEFAULT_REPOSITORY}"
repository="${repository%/}"
key_url="${REKKORD_INSTALL_KEY_URL:-$repository/koromix-archive-keyring.gpg}"
requested="${REKKORD_VERSION:-}"

sudo=()
if [[ -n "$root" ]]; then
  root="$(cd "$root" && pwd)"
  # A private apt: its config, lists, caches and dpkg database all under $root, and none of the
  # machine's apt.conf.d (APT_CONFIG is read before Dir::Etc::parts, apt-pkg/init.cc
  # pkgInitConfig). dpkg unpacks under $root without being root; scripts run without chroot.
  mkdir -p "$root/etc/apt/apt.conf.d" "$root/etc/apt/preferences.d" "$root/var/lib/apt/lists/partial" \
    "$root/var/cache/apt/archives/partial" "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/info"
  touch "$root/var/lib/dpkg/status"
  cat >"$root/etc/apt/apt.conf" <<EOF
Dir "$root/";
Dir::Bin::methods "/usr/lib/apt/methods/";
Dir::Bin::dpkg "/usr/bin/dpkg";
Dir::State::status "$root/var/lib/dpkg/status";
DPkg::Options { "--root=$root"; "--force-not-root"; "--force-script-chrootless"; "--log=$root/var/log/dpkg.log"; };
APT::Sandbox::User "$(id -un)";
EOF
  mkdir -p "$root/var/log"
  export APT_CONFIG="$root/etc/apt/apt.conf"
elif [[ "$(id -u)" != 0 ]]; then
  command -v sudo >/dev/null || fail "Installing Rekkord needs root or sudo, to add its repository to apt."
  sudo=(sudo -n)
fi

keyring_dir="$root/etc/apt/keyrings"
keyring="$keyring_dir/koromix-archive-keyring.gpg"
source_list="$root/etc/apt/sources.list.d/koromix.dev-stable.list"

echo "::group::Add the Rekkord repository ($repository $SUITE $COMPONENT)"
key_tmp="$(mktemp)"
trap 'rm -f "$key_tmp"' EXIT
curl -fsSL --retry 3 "$key_url" -o "$key_tmp" || fail "Could not download the Rekkord repository key from $key_url."
"${sudo[@]}" mkdir -p -m0755 "$keyring_dir" "$(dirname "$source_list")"
"${sudo[@]}" install -m0644 "$key_tmp" "$keyring"
echo "deb [signed-by=$keyring] $repository $SUITE $COMPONENT" | "${sudo[@]}" tee "$source_list" >/dev/null
cat "$source_list"
echo '::endgroup::'

arch="$(dpkg --print-architecture)"
cache_root="${RUNNER_TOOL_CACHE:-${root:-$HOME}/.rekkord-tool-cache}/rekkord"
# Only Rekkord's source is read: updating never refreshes (or fails on) the machine's other ones.
only_rekkord=(-o "Dir::Etc::sourcelist=$source_list" -o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0)

cached_deb() { compgen -G "$cache_root/$1/$arch/rekkord_*.deb" | head -n 1; }

deb=''
if [[ -n "$requested" ]]; then deb="$(cached_deb "$requested" || true)"; fi
if [[ -n "$deb" ]]; then
  version="$requested"
  echo "Rekkord $version ($arch) found in the tool cache: $deb"
else
  echo "::group::apt-get update (Rekkord's repository only)"
  "${sudo[@]}" apt-get update "${only_rekkord[@]}" -o APT::Update::Error-Mode=any ||
    fail "apt-get update failed for $repository (see the log above): the repository is unreachable or its signature does not match the key."
  echo '::endgroup::'
  if [[ -n "$requested" ]]; then
    version="$requested"
    # `apt-cache show rekkord=<missing>` exits 0 (apt 2.6), so the version is looked up in the list.
    available="$(apt-cache madison rekkord | awk -F'|' '{gsub(/ /, "", $2); print $2}')"
    grep -qxF -- "$version" <<<"$available" ||
      fail "Rekkord $version is not in $repository. Available: $(echo $available)"
  else
    version="$(apt-cache policy rekkord | awk '/Candidate:/ {print $2}')"
    [[ -n "$version" && "$version" != '(none)' ]] || fail "No rekkord package for $arch in $repository."
  fi
  deb="$(cached_deb "$version" || true)"
  if [[ -n "$deb" ]]; then
    echo "Rekkord $version ($arch) found in the tool cache: $deb"
  else
    # apt-get download checks the .deb against the signed index, and needs no root.
    dir="$cache_root/$version/$arch"
    mkdir -p "$dir"
    (cd "$dir" && apt-get download "rekkord=$version") || fail "Could not download rekkord $version."
    deb="$(cached_deb "$version")"
    # The marker @actions/tool-cache writes beside a complete entry (tool-cache.ts, _completeToolPath).
    touch "$cache_root/$version/$arch.complete"
    echo "Rekkord $version ($arch) downloaded to the tool cache: $deb"
  fi
fi

echo "::group::apt-get install rekkord $version"
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y --no-install-recommends \
  --allow-downgrades "$deb" || fail "apt-get install of $deb failed (see the log above)."
echo '::endgroup::'

admindir="$root/var/lib/dpkg"
installed="$(dpkg-query --admindir="$admindir" -W -f='${Version}' rekkord)"
exe="$(dpkg-query --admindir="$admindir" -L rekkord | grep -E '/bin/rekkord$' | head -n 1)" ||
  fail "The rekkord package has no bin/rekkord."
exe="$root$exe"
"$exe" --version || fail "$exe --version failed."

echo "Installed Rekkord $installed: $exe"
if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
  printf 'version=%s\npath=%s\n' "$installed" "$exe" >>"$GITHUB_OUTPUT"
fi
# Outside /usr/bin (a private root), later steps still find it by name.
if [[ -n "${GITHUB_PATH:-}" && "$(command -v rekkord || true)" != "$exe" ]]; then
  dirname "$exe" >>"$GITHUB_PATH"
fi
