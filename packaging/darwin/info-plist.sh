#!/bin/sh
# info-plist.sh prints packaging/darwin/Info.plist with its placeholders filled: the bundle ID and
# name from the top-level FyneApp.toml (packaging/appmeta.sh), CFBundleShortVersionString and CFBundleVersion from
# packaging/version.sh (short, build), the git version and the copyright year.
#
# Usage: packaging/darwin/info-plist.sh VERSION > Info.plist
set -eu
v=${1:?usage: info-plist.sh VERSION}
here=$(cd "$(dirname "$0")" && pwd)
id=$("$here/../appmeta.sh" get ID)
name=$("$here/../appmeta.sh" get Name)
short=$("$here/../version.sh" short "$v")
build=$("$here/../version.sh" build)
year=$(date -u -d "@${SOURCE_DATE_EPOCH:-$(date +%s)}" +%Y 2>/dev/null || date -u -r "${SOURCE_DATE_EPOCH:-$(date +%s)}" +%Y)
# The values go into XML text and a sed replacement: keep to plain characters.
for x in "$id" "$name" "$short" "$build" "$v"; do
	case "$x" in *[!A-Za-z0-9._+\ -]*)
		echo "info-plist.sh: \"$x\" has characters an Info.plist value should not need" >&2
		exit 2 ;;
	esac
done
sed -e "s/@ID@/$id/g" -e "s/@NAME@/$name/g" -e "s/@SHORT_VERSION@/$short/g" \
	-e "s/@BUILD@/$build/g" -e "s/@VERSION@/$v/g" -e "s/@YEAR@/$year/g" "$here/Info.plist"
