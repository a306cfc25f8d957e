#!/usr/bin/env bash
# check-exe.sh checks that calsync.exe carries the resources make cross links in from calsync.rc:
# the icon, the version information (numbers, product name, original file name) and the manifest
# (asInvoker, PerMonitorV2), and that it is a GUI-subsystem program (-H windowsgui), so it opens
# no console window. It reads the PE file with 7z, which lists a resource section as .rsrc/...
# For make cross and CI; needs p7zip-full (or 7zip) and iconv.
#
# Usage: packaging/windows/check-exe.sh bin/windows-amd64/calsync.exe [NUMERIC]
#   NUMERIC  the a.b.c.d the version resource must carry (packaging/version.sh numeric)
set -euo pipefail

exe=${1:?usage: check-exe.sh calsync.exe [NUMERIC]}
numeric=${2:-}
[ -f "$exe" ] || { echo "check-exe.sh: $exe: no such file" >&2; exit 1; }
command -v 7z >/dev/null || { echo "check-exe.sh: 7z not found (apt-get install p7zip-full)" >&2; exit 1; }

fail=0
bad() { echo "FAIL $*" >&2; fail=1; }
ok() { echo "ok   $*"; }

paths=$(7z l -ba -slt -tPE "$exe" | sed -n 's/^Path = //p')
for want in .rsrc/version.txt .rsrc/GROUP_ICON/1 .rsrc/MANIFEST/1; do
	if grep -qxF "$want" <<<"$paths"; then ok "$want"; else bad "$exe has no $want"; fi
done
icons=$(grep -c '^\.rsrc/ICON/' <<<"$paths" || true)
if [ "$icons" -ge 4 ]; then ok "$icons icon images"; else bad "$exe has $icons icon images, want the sizes of calsync.ico"; fi

# 7z renders the VERSIONINFO as .rc-like text in UTF-16LE.
info=$(7z e -so -tPE "$exe" .rsrc/version.txt 2>/dev/null | iconv -f UTF-16LE -t UTF-8 | tr -d '\r')
expect() { # expect LABEL REGEX: the version text must match
	if grep -Eq "$2" <<<"$info"; then ok "$1"; else bad "version resource: $1 (want /$2/)"; fi
}
name=$("$(dirname "$0")/../appmeta.sh" get Name)
expect "ProductName $name" "\"ProductName\", +\"$name\""
expect "OriginalFilename" '"OriginalFilename", +"calsync\.exe"'
expect "CompanyName" '"CompanyName", +"[^"]+"'
expect "LegalCopyright" '"LegalCopyright", +"[^"]+"'
expect "ProductVersion" '"ProductVersion", +"[A-Za-z0-9._+-]+"'
if [ -n "$numeric" ]; then
	expect "FILEVERSION $numeric" "^FILEVERSION +${numeric//./, *}\$"
	expect "FileVersion $numeric" "\"FileVersion\", +\"${numeric//./\\.}\""
fi

manifest=$(7z e -so -tPE "$exe" .rsrc/MANIFEST/1 2>/dev/null)
for want in 'level="asInvoker"' '>PerMonitorV2<' 'Microsoft.Windows.Common-Controls' '8e0f7a12-bfb3-4fe8-b9a5-48fd50a15a9a'; do
	if grep -qF "$want" <<<"$manifest"; then ok "manifest: $want"; else bad "manifest lacks $want"; fi
done

if command -v x86_64-w64-mingw32-objdump >/dev/null; then
	# Not piped into grep -q: with pipefail, objdump's SIGPIPE would fail the test.
	headers=$(x86_64-w64-mingw32-objdump -p "$exe")
	if grep -Eq '^Subsystem[[:space:]]+0+2[[:space:]]' <<<"$headers"; then
		ok "GUI subsystem"
	else
		bad "$exe is not a GUI-subsystem program (build with -ldflags -H windowsgui)"
	fi
fi

if [ "$fail" -ne 0 ]; then
	echo "check-exe.sh: $exe lacks resources it should carry (make cross links them from packaging/windows/calsync.rc)" >&2
	exit 1
fi
echo "check-exe.sh: $exe carries its icon, version information and manifest"
