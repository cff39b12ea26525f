#!/usr/bin/env bash
# Rebuilds dist/ and fails when it differs from what is committed: the action runs dist/ as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent build >/dev/null
if [ -n "$(git status --porcelain -- dist)" ]; then
  echo "dist/ is not current: run 'npm run build' and commit dist/." >&2
  git status --short -- dist >&2
  git --no-pager diff --stat -- dist >&2
  exit 1
fi
# Each bundle that action.yml runs (runs.main, runs.post) must be in it.
for entry in $(sed -n 's/^  \(main\|post\): //p' action.yml); do
  if ! git ls-files --error-unmatch -- "$entry" >/dev/null 2>&1; then
    echo "action.yml runs $entry, which is not committed: run 'npm run build' and commit dist/." >&2
    exit 1
  fi
done
echo "dist/ is current."
