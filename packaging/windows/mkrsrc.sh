#!/usr/bin/env bash
# mkrsrc.sh compiles calsync.exe's Windows resources (calsync.rc: icon, version information,
# manifest) into a COFF object that `go build` links for windows/amd64 only, by its file name.
#
# Usage: packaging/windows/mkrsrc.sh VERSION NUMERIC ICO OUT.syso
#   VERSION  git describe output (ProductVersion text), NUMERIC a.b.c.d (packaging/version.sh numeric),
#   ICO      the .ico (packaging/windows/mkico), OUT e.g. cmd/calsync/rsrc_windows_amd64.syso
# Environment: WINDRES (default x86_64-w64-mingw32-windres, from binutils-mingw-w64-x86-64).
set -euo pipefail

version=${1:?usage: mkrsrc.sh VERSION NUMERIC ICO OUT.syso}
numeric=${2:?usage: mkrsrc.sh VERSION NUMERIC ICO OUT.syso}
ico=${3:?usage: mkrsrc.sh VERSION NUMERIC ICO OUT.syso}
out=${4:?usage: mkrsrc.sh VERSION NUMERIC ICO OUT.syso}
windres=${WINDRES:-x86_64-w64-mingw32-windres}
here=$(cd "$(dirname "$0")" && pwd)

command -v "$windres" >/dev/null || { echo "mkrsrc.sh: $windres not found (apt-get install binutils-mingw-w64-x86-64)" >&2; exit 1; }
printf '%s\n' "$numeric" | grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$' ||
	{ echo "mkrsrc.sh: NUMERIC \"$numeric\" is not a.b.c.d" >&2; exit 2; }
# ProductVersion is a string in a quoted RC literal: keep to what git describe produces.
printf '%s\n' "$version" | grep -Eq '^[A-Za-z0-9._+-]+$' ||
	{ echo "mkrsrc.sh: VERSION \"$version\" has characters other than [A-Za-z0-9._+-]" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
year=$(date -u -d "@${SOURCE_DATE_EPOCH:-$(date +%s)}" +%Y 2>/dev/null || date -u +%Y)
# The app's name and ID come from FyneApp.toml (appmeta), the version numbers from the arguments.
fill() {
	"$here/../appmeta.sh" fill "$1" | sed -e "s/@VERSION@/$version/g" -e "s/@NUMERIC@/$numeric/g" \
		-e "s/@NUMERIC_COMMAS@/${numeric//./,}/g" -e "s/@YEAR@/$year/g"
}
fill "$here/calsync.rc" >"$work/calsync.rc"
fill "$here/calsync.exe.manifest" >"$work/calsync.exe.manifest"
cp "$ico" "$work/calsync.ico"

# windres resolves the file names in the .rc against its working directory.
out_abs=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
(cd "$work" && "$windres" --target=pe-x86-64 -c 65001 -i calsync.rc -O coff -o "$out_abs")
echo "mkrsrc.sh: wrote $out (version $version, $numeric)"
