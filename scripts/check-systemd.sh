#!/usr/bin/env bash
# Checks the units of examples/systemd with `systemd-analyze verify` (Debian's systemd package;
# it needs no running systemd) and fails on any finding, warnings included. verify refuses an
# ExecStart= whose executable does not exist, so the units are checked in a copy whose
# /usr/local/bin/rekkord-hooks is this checkout's dist/cli/index.js. Every option that ExecStart=
# gives rekkord-hooks must be one that `rekkord-hooks --help` lists.
set -euo pipefail
cd "$(dirname "$0")/.."

units=(examples/systemd/*.service examples/systemd/*.timer)
if ! command -v systemd-analyze >/dev/null; then
  echo "check-systemd: systemd-analyze not found (Debian: apt-get install systemd)" >&2
  exit 1
fi

failures=0
fail() {
  echo "check-systemd: $*" >&2
  failures=$((failures + 1))
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cli="$PWD/dist/cli/index.js"
for unit in "${units[@]}"; do
  sed "s|/usr/local/bin/rekkord-hooks|$cli|g" "$unit" >"$tmp/$(basename "$unit")"
done

# --man=no: the Documentation= link is a web page, not a man page to look up.
if ! systemd-analyze verify --man=no "$tmp"/* >"$tmp/verify.log" 2>&1 || [ -s "$tmp/verify.log" ]; then
  fail "systemd-analyze verify found problems in examples/systemd:" \
    "$(sed "s|$tmp/|examples/systemd/|g; s|$cli|/usr/local/bin/rekkord-hooks|g" "$tmp/verify.log")"
fi

# What the example promises, which verify cannot know: each timer starts a service that is here
# and makes up a missed run; each service waits for its post hooks on stop.
for timer in examples/systemd/*.timer; do
  service=$(sed -n 's/^Unit=//p' "$timer")
  service=${service:-$(basename "$timer" .timer).service}
  [ -f "examples/systemd/$service" ] || fail "$timer starts $service, which examples/systemd lacks"
  grep -qx 'Persistent=true' "$timer" || fail "$timer: no Persistent=true, so a night missed while the host was off is lost"
done
for service in examples/systemd/*.service; do
  grep -qx 'KillMode=mixed' "$service" || fail "$service: no KillMode=mixed, so systemd's SIGTERM reaches the hooks directly"
  grep -qE '^TimeoutStopSec=[0-9]+min$' "$service" || fail "$service: no TimeoutStopSec=<N>min, so systemd may kill the post hooks"
done

help=$(npm exec --no -- node "$cli" --help)
for unit in "${units[@]}"; do
  while read -r option; do
    if ! grep -qE -- "(^|[ ,])$option( |$)" <<<"$help"; then
      fail "$unit: ExecStart= gives rekkord-hooks $option, which its --help does not list"
    fi
  # (sed joins the lines that end with a backslash, as systemd does.)
  done < <(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$unit" | grep -E '^ExecStart=' |
    grep -oE -- ' --[a-z][a-z-]*' | sed 's/^ //' | sort -u)
done

[ "$failures" -eq 0 ] || exit 1
echo "systemd units verified: ${units[*]}"
