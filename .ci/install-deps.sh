#!/usr/bin/env bash
# install-deps.sh installs the Debian/Ubuntu packages calsync needs to build, demo and test, and
# only those that are missing: a second run checks with dpkg-query and needs neither root nor network.
#
# Usage: .ci/install-deps.sh [GROUP...]    (default: all)
#   build  C toolchain and the GL/X11 headers Fyne's cgo driver compiles against (make build, make demo)
#   test   build + a real Secret Service (dbus, gnome-keyring), Xvfb, the mingw-w64 cross compiler
#          and windres, what make package-check uses: nsis, p7zip-full, osslsigncode, openssl,
#          desktop-file-utils, python3, and what make wine-test uses: wine64, imagemagick
#   screenshots  test + imagemagick and xdotool (make screenshots)
#   package  same as test (make package)
#   all    same as test
set -euo pipefail

build_pkgs=(make gcc pkg-config libgl1-mesa-dev xorg-dev)
# package-check (part of make test) builds the Windows installer and checks the packages.
package_check_pkgs=(binutils-mingw-w64-x86-64 nsis p7zip-full osslsigncode openssl desktop-file-utils python3)
# wine-test (part of make test) runs calsync.exe and the installer under Wine; only 64-bit
# programs, so wine64 without wine32 (no i386 multiarch). imagemagick takes the screenshot.
wine_test_pkgs=(wine64 imagemagick)
test_pkgs=("${build_pkgs[@]}" dbus dbus-x11 gnome-keyring xvfb gcc-mingw-w64-x86-64 "${package_check_pkgs[@]}" "${wine_test_pkgs[@]}")
screenshot_pkgs=("${test_pkgs[@]}" xdotool)
package_pkgs=("${test_pkgs[@]}")

groups=("$@")
[ ${#groups[@]} -eq 0 ] && groups=(all)

wanted=()
for g in "${groups[@]}"; do
	case "$g" in
	build) wanted+=("${build_pkgs[@]}") ;;
	test | all) wanted+=("${test_pkgs[@]}") ;;
	screenshots) wanted+=("${screenshot_pkgs[@]}") ;;
	package) wanted+=("${package_pkgs[@]}") ;;
	-h | --help)
		sed -n '2,13s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	*)
		echo "install-deps.sh: unknown group \"$g\"; expected build, test, screenshots, package or all" >&2
		exit 2
		;;
	esac
done

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "install-deps.sh: dpkg-query not found; this script supports Debian and Ubuntu." >&2
	echo "Install the equivalents of: ${wanted[*]}" >&2
	exit 1
fi

missing=()
for p in $(printf '%s\n' "${wanted[@]}" | sort -u); do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -gt 0 ]; then
	echo "install-deps.sh: installing ${missing[*]}"
	as_root=()
	if [ "$(id -u)" -ne 0 ]; then
		if command -v sudo >/dev/null 2>&1; then
			as_root=(sudo)
		else
			echo "install-deps.sh: need root to install ${missing[*]}, and sudo is not available." >&2
			echo "Run as root: apt-get install ${missing[*]}" >&2
			exit 1
		fi
	fi

	# Another apt run (unattended-upgrades, a provisioning script) may hold the dpkg lock: wait for
	# it to finish instead of failing; apt's own lock timeout covers the remaining race.
	apt_busy() {
		local name
		for name in apt apt-get dpkg unattended-upgr; do
			pgrep -x "$name" >/dev/null 2>&1 && return 0
		done
		return 1
	}
	for _ in $(seq 1 180); do
		apt_busy || break
		echo "install-deps.sh: waiting for another apt/dpkg run to finish..."
		sleep 5
	done

	apt_opts=(-q -y -o DPkg::Lock::Timeout=600)
	"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" update
	"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install \
		--no-install-recommends "${missing[@]}"
fi

if ! command -v go >/dev/null 2>&1; then
	echo "install-deps.sh: Go is not on PATH; install Go $(sed -n 's/^go //p' "$(dirname "$0")/../go.mod") or newer from https://go.dev/dl/" >&2
	exit 1
fi
