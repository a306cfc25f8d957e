#!/usr/bin/env bash
# check-plists.sh validates the macOS property lists on any OS (CI runs it on Linux): it fills
# Info.plist (info-plist.sh), renders the LaunchAgent from the code with
# `calsync service print-config --os darwin` for the app's install path, and checks both with
# check-plists.py (Python's plistlib). Needs python3.
#
# Usage: packaging/darwin/check-plists.sh CALSYNC_BINARY VERSION
#   CALSYNC_BINARY  a calsync for this machine (make build), only used to render the LaunchAgent
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
calsync=${1:?usage: check-plists.sh CALSYNC_BINARY VERSION}
version=${2:?usage: check-plists.sh CALSYNC_BINARY VERSION}
command -v python3 >/dev/null || { echo "check-plists.sh: python3 not found (apt-get install python3)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$here/info-plist.sh" "$version" >"$work/Info.plist"
# Where the app lands when dragged from the .dmg, and calsync's default config on macOS.
"$calsync" --config "/Users/admin/Library/Application Support/calsync/config.json" service print-config \
	--os darwin --executable "/Applications/$("$here/../appmeta.sh" get Name).app/Contents/MacOS/calsync" \
	>"$work/calsync.plist" 2>"$work/print-config.err" || { cat "$work/print-config.err" >&2; exit 1; }
python3 "$here/check-plists.py" "$work/Info.plist" "$work/calsync.plist" "$here/../../FyneApp.toml"
