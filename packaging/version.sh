#!/bin/sh
# version.sh turns the version make stamps in (git describe output: v1.2.3, v1.2.3-4-gabc1234-dirty, or a
# bare commit like abc1234 before the first tag) into the two forms packages need:
#   version.sh file    VERSION  ->  a string safe in a file name (anything but [A-Za-z0-9._+-] becomes -)
#   version.sh numeric VERSION  ->  four dot-separated numbers 0..65535 (Windows VIProductVersion):
#                                   major.minor.patch.commits-since-tag; without a vX.Y.Z tag the
#                                   Version of FyneApp.toml and .0 (makensis refuses anything else).
#   version.sh short   VERSION  ->  major.minor.patch: the tag's, else FyneApp.toml's (macOS
#                                   CFBundleShortVersionString)
#   version.sh build            ->  FyneApp.toml's Build (macOS CFBundleVersion, as `fyne package` sets it)
#   version.sh check   VERSION  ->  fails when VERSION comes from a vX.Y.Z tag and FyneApp.toml's
#                                   Version is not X.Y.Z (make package runs it: bump both together)
# FyneApp.toml is the one at the top of the repository, read through packaging/appmeta.sh.
set -eu
toml=FyneApp.toml
here=$(dirname "$0")
# toml_value KEY: a [Details] value of FyneApp.toml (appmeta checks the file and says what is wrong).
toml_value() {
	"$here/appmeta.sh" get "$1"
}
# tag_triple VERSION: "X Y Z" of a vX.Y.Z git describe output, or nothing.
tag_triple() {
	printf '%s\n' "$1" | sed -n 's/^v\{0,1\}\([0-9]\{1,\}\)\.\([0-9]\{1,\}\)\.\([0-9]\{1,\}\).*/\1 \2 \3/p'
}
if [ "${1:-}" = build ]; then
	b=$(toml_value Build)
	printf '%s\n' "$b"
	exit 0
fi
mode=${1:?usage: version.sh file|numeric|short|check VERSION, or version.sh build}
v=${2:?usage: version.sh file|numeric|short|check VERSION, or version.sh build}
case "$mode" in
file)
	printf '%s\n' "$v" | sed 's/[^A-Za-z0-9._+-]/-/g'
	;;
short)
	triple=$(tag_triple "$v")
	if [ -n "$triple" ]; then
		printf '%s\n' "$triple" | tr ' ' .
	else
		t=$(toml_value Version)
		printf '%s\n' "${t:-0.0.0}"
	fi
	;;
check)
	triple=$(tag_triple "$v")
	t=$(toml_value Version)
	if [ -n "$triple" ] && [ "$(printf '%s\n' "$triple" | tr ' ' .)" != "$t" ]; then
		echo "version.sh: building $v, but $toml says Version = \"$t\"; set it to $(printf '%s\n' "$triple" | tr ' ' .) (and raise Build) in the commit you tag" >&2
		exit 1
	fi
	if [ -n "$triple" ]; then
		echo "version.sh: $v agrees with FyneApp.toml Version $t"
	else
		echo "version.sh: $v is not a vX.Y.Z tag: packages carry FyneApp.toml's Version $t"
	fi
	;;
numeric)
	triple=$(tag_triple "$v")
	ahead=$(printf '%s\n' "$v" | sed -n 's/.*-\([0-9]\{1,\}\)-g[0-9a-f]\{4,\}\(-dirty\)\{0,1\}$/\1/p')
	if [ -z "$triple" ]; then
		triple=$(toml_value Version | sed -n 's/^\([0-9]\{1,\}\)\.\([0-9]\{1,\}\)\.\([0-9]\{1,\}\)$/\1 \2 \3/p')
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
	echo "version.sh: unknown mode \"$mode\"; expected file, numeric, short, build or check" >&2
	exit 2
	;;
esac
