#!/usr/bin/env bash
# Prints the CHANGELOG.md section of version X.Y.Z (its `## [X.Y.Z]` or `## [X.Y.Z] - date` heading
# left out), the notes of its GitHub Release; fails when the section is missing or empty.
# Usage: release-notes.sh X.Y.Z [changelog file, default: the repository's CHANGELOG.md]
set -euo pipefail
version=${1:?usage: release-notes.sh X.Y.Z [CHANGELOG.md]}
changelog=${2:-$(dirname "$0")/../CHANGELOG.md}
notes=$(awk -v heading="## [$version]" '
  index($0, heading) == 1 && (length($0) == length(heading) || substr($0, length(heading) + 1, 1) == " ") { found = 1; next }
  found && /^## / { exit }
  found { print }
' "$changelog" | sed -e '/./,$!d')
if [ -z "${notes//[[:space:]]/}" ]; then
  echo "$(basename "$changelog") has no notes under '## [$version]': move the Unreleased entries there." >&2
  exit 1
fi
printf '%s\n' "$notes"
