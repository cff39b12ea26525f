#!/usr/bin/env bash
# Checks what users get from the Marketplace and from npm: a LICENSE that ships, an action
# description the Marketplace accepts, and a CLI tarball that installs without pulling a single
# runtime package (dist/cli is bundled) and carries the licences of what it bundles.
# Every check runs; each failure says what is wrong and how to fix it.
set -euo pipefail
cd "$(dirname "$0")/.."

failures=0
fail() {
  echo "check-package: $*" >&2
  failures=$((failures + 1))
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The licence: a file, the one package.json names.
license=$(node -p 'require("./package.json").license')
if [ ! -f LICENSE ]; then
  fail "no LICENSE file (package.json says $license)"
elif ! head -n 1 LICENSE | grep -q "^$license License"; then
  fail "LICENSE does not start with '$license License', the licence package.json names"
fi

# The Marketplace refuses an action whose description is longer than 125 characters.
length=$(node -e '
  const { parse } = require("yaml");
  const manifest = parse(require("fs").readFileSync("action.yml", "utf8"));
  console.log((manifest.description ?? "").length);')
if [ "$length" -gt 125 ]; then
  fail "action.yml's description has $length characters; the Marketplace takes at most 125"
fi

# The tarball as npm would publish it.
npm pack --silent --pack-destination "$tmp" >/dev/null
tarball=$(ls "$tmp"/*.tgz)
files=$(tar -tzf "$tarball" | sed 's|^package/||')
for file in LICENSE dist/cli/index.js dist/cli/licenses.txt; do
  grep -qxF "$file" <<<"$files" || fail "$file is not in the npm package (see 'files' in package.json)"
done
# npm pack --dry-run --json is what npm publish lists; it must agree with the tarball.
if ! npm pack --dry-run --json 2>/dev/null |
  node -e 'const [p] = JSON.parse(require("fs").readFileSync(0)); process.exit(p.files.some((f) => f.path === "LICENSE") ? 0 : 1)'; then
  fail "npm pack --dry-run --json does not list LICENSE"
fi

tar -xzf "$tarball" -C "$tmp" package/package.json
runtime=$(node -e '
  const pkg = require(process.argv[1]);
  const kinds = ["dependencies", "optionalDependencies", "peerDependencies", "bundleDependencies"];
  console.log(kinds.flatMap((k) => Object.keys(pkg[k] ?? {}).map((n) => `${k}: ${n}`)).join(", "));' \
  "$tmp/package/package.json")
if [ -n "$runtime" ]; then
  fail "the packed package.json has runtime packages ($runtime); the bundles contain everything," \
    "so they belong in devDependencies"
fi

# Installed globally from the tarball, offline: nothing is fetched, and the command answers.
# (--loglevel: npm run --silent would otherwise silence the reason.)
if npm install --global --offline --no-audit --no-fund --loglevel=error --prefix "$tmp/global" \
  "$tarball" >"$tmp/install.log" 2>&1; then
  installed="$tmp/global/lib/node_modules/rekkord-hooks-action"
  if [ -d "$installed/node_modules" ]; then
    fail "npm install -g installed packages besides the CLI: $(ls "$installed/node_modules" | tr '\n' ' ')"
  fi
  if ! "$tmp/global/bin/rekkord-hooks" --help >"$tmp/help.log" 2>&1; then
    fail "the installed rekkord-hooks --help failed: $(head -n 5 "$tmp/help.log")"
  fi
else
  fail "npm install -g of the tarball failed offline (does it need a package from the registry?):" \
    "$(grep -v 'complete log' "$tmp/install.log" | tail -n 3)"
fi

# npm pack in a checkout leaves the tarball beside package.json: git must not offer to add it.
if ! git check-ignore -q "$(basename "$tarball")"; then
  fail "$(basename "$tarball") is not ignored by git: add '*.tgz' to .gitignore"
fi

if [ "$failures" -gt 0 ]; then
  echo "check-package: $failures problem(s)" >&2
  exit 1
fi
echo "Package checks passed: LICENSE shipped, description $length characters, no runtime packages, CLI licences in the tarball, *.tgz ignored."
