#!/bin/sh
# version.sh turns the version make stamps in (git describe output: v1.2.3, v1.2.3-4-gabc1234-dirty, or a
# bare commit like abc1234 before the first tag) into the two forms packages need:
#   version.sh file    VERSION  ->  a string safe in a file name (anything but [A-Za-z0-9._+-] becomes -)
#   version.sh numeric VERSION  ->  four dot-separated numbers 0..65535 (Windows VIProductVersion):
#                                   major.minor.patch.commits-since-tag; without a vX.Y.Z tag the
#                                   Version of FyneApp.toml and .0 (makensis refuses anything else).
set -eu
mode=${1:?usage: version.sh file|numeric VERSION}
v=${2:?usage: version.sh file|numeric VERSION}
case "$mode" in
file)
	printf '%s\n' "$v" | sed 's/[^A-Za-z0-9._+-]/-/g'
	;;
numeric)
	triple=$(printf '%s\n' "$v" | sed -n 's/^v\{0,1\}\([0-9]\{1,\}\)\.\([0-9]\{1,\}\)\.\([0-9]\{1,\}\).*/\1 \2 \3/p')
	ahead=$(printf '%s\n' "$v" | sed -n 's/.*-\([0-9]\{1,\}\)-g[0-9a-f]\{4,\}\(-dirty\)\{0,1\}$/\1/p')
	if [ -z "$triple" ]; then
		toml=$(dirname "$0")/../FyneApp.toml
		triple=$(sed -n 's/^[[:space:]]*Version[[:space:]]*=[[:space:]]*"\([0-9]\{1,\}\)\.\([0-9]\{1,\}\)\.\([0-9]\{1,\}\)".*/\1 \2 \3/p' "$toml" 2>/dev/null | head -n 1)
		[ -n "$triple" ] || triple="0 0 0"
		ahead=0
	fi
	# shellcheck disable=SC2086 # split the triple on purpose
	set -- $triple "${ahead:-0}"
	out=""
	for n in "$@"; do
		n=$(printf '%s' "$n" | sed 's/^0*\([0-9]\)/\1/')
		# A field past 65535 (or absurdly long) is clamped, not wrapped: the version still sorts high.
		if [ "${#n}" -gt 5 ] || [ "$n" -gt 65535 ]; then n=65535; fi
		out="${out:+$out.}$n"
	done
	printf '%s\n' "$out"
	;;
*)
	echo "version.sh: unknown mode \"$mode\"; expected file or numeric" >&2
	exit 2
	;;
esac
