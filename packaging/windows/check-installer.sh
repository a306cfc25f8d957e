#!/usr/bin/env bash
# check-installer.sh lists a built installer with 7z (which reads NSIS archives) and fails unless
# the files the installer must carry are inside: the program, its icon, the uninstaller and the
# nsExec plug-in that runs `calsync service ...`, and unless it is a 64-bit program. For CI; needs
# p7zip-full and binutils-mingw-w64-x86-64.
#
# Usage: packaging/windows/check-installer.sh bin/calsync-setup-<version>.exe
set -euo pipefail

installer=${1:?usage: check-installer.sh INSTALLER.exe}
[ -f "$installer" ] || { echo "check-installer.sh: $installer: no such file" >&2; exit 1; }
command -v 7z >/dev/null || { echo "check-installer.sh: 7z not found (apt-get install p7zip-full)" >&2; exit 1; }

# -tNsis: once signed, the file also opens as a plain PE (the signature is appended past the NSIS
# data) and 7z's own guess then names the uninstaller "uninstall.exe.nsis".
listing=$(7z l -ba -slt -tNsis "$installer")
# Paths as 7z prints them, one per line ("Path = calsync.exe").
paths=$(printf '%s\n' "$listing" | sed -n 's/^Path = //p')

missing=0
for want in calsync.exe calsync.ico uninstall.exe '$PLUGINSDIR/nsExec.dll'; do
	if printf '%s\n' "$paths" | grep -qxF "$want"; then
		echo "ok   $want"
	else
		echo "MISSING $want" >&2
		missing=1
	fi
done

# The program must be the real GUI build, not a stub: a PE file of some megabytes. A non-solid
# (zlib) installer does not record the unpacked size: then the packed size has to do.
size=$(printf '%s\n' "$listing" | awk '/^Path = calsync.exe$/ {f=1; next}
	f && /^Size = [0-9]/ {print $3; exit}
	f && /^Packed Size = [0-9]/ {packed=$4}
	f && /^$/ {print packed; exit}')
if [ -n "$size" ] && [ "$size" -lt 1000000 ]; then
	echo "calsync.exe is only $size bytes inside $installer: expected the GUI build (make cross)" >&2
	missing=1
fi

# A 64-bit installer (Target amd64-unicode) writes the real Program Files and registry view.
objdump=x86_64-w64-mingw32-objdump
command -v "$objdump" >/dev/null || objdump=objdump
format=$("$objdump" -f "$installer" 2>/dev/null | sed -n 's/.*file format //p' | head -1)
if [ "$format" != "pei-x86-64" ]; then
	echo "$installer is \"${format:-not a PE file}\", want a 64-bit installer (pei-x86-64: Target amd64-unicode in calsync.nsi)" >&2
	missing=1
fi

if [ "$missing" -ne 0 ]; then
	echo "check-installer.sh: $installer lacks expected files; full listing:" >&2
	printf '%s\n' "$paths" | sed 's/^/  /' >&2
	exit 1
fi
echo "check-installer.sh: $installer carries calsync.exe ($size bytes), its icon and the uninstaller"
