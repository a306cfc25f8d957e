#!/usr/bin/env bash
# package.sh builds "OneCloud Calendar Sync.app" and a .dmg on a Mac: a universal (arm64 + x86_64)
# calsync, the Info.plist (info-plist.sh) and icon, then signing, notarization and stapling when
# a Developer ID is given. It needs macOS: Fyne's GUI links against Cocoa and OpenGL through cgo,
# and codesign, notarytool, stapler and hdiutil exist only there. `make package-darwin` runs it.
#
# Usage: packaging/darwin/package.sh VERSION LDFLAGS OUTDIR
# Environment:
#   SIGN_IDENTITY   "Developer ID Application: Name (TEAMID)" in the login keychain; without it the
#                   app is signed ad hoc (runs on this Mac; Gatekeeper blocks it elsewhere)
#   NOTARY_PROFILE  a notarytool keychain profile (xcrun notarytool store-credentials NAME
#                   --apple-id ... --team-id ...); with SIGN_IDENTITY it notarizes and staples
#   SKIP_NOTARIZE=1 sign with SIGN_IDENTITY but do not notarize (a test build)
set -euo pipefail

if [ "$(uname -s)" != Darwin ]; then
	cat >&2 <<-'MSG'
	package.sh: the macOS app can only be built on a Mac.
	  The GUI links against Cocoa/OpenGL through cgo, and codesign, xcrun notarytool/stapler and
	  hdiutil exist only on macOS. On a Mac with Xcode's command line tools and Go:
	    make package-darwin                         # ad-hoc signed .app and .dmg
	    SIGN_IDENTITY="Developer ID Application: ..." NOTARY_PROFILE=calsync make package-darwin
	  Steps and prerequisites: packaging/README.md, "macOS app". On Linux, `make package-check`
	  validates the plists and `make cross` cross-builds the non-GUI packages for darwin.
	MSG
	exit 1
fi

version=${1:?usage: package.sh VERSION LDFLAGS OUTDIR}
ldflags=${2:?usage: package.sh VERSION LDFLAGS OUTDIR}
out=${3:?usage: package.sh VERSION LDFLAGS OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
for tool in go lipo sips iconutil codesign plutil hdiutil ditto; do
	command -v "$tool" >/dev/null || { echo "package.sh: $tool not found (install Xcode's command line tools: xcode-select --install)" >&2; exit 1; }
done

name=$("$root/packaging/appmeta.sh" get Name)
file_version=$("$root/packaging/version.sh" file "$version")
stage="$out/package/darwin"
app="$stage/$name.app"
dmg="$out/calsync-$file_version-macos.dmg"
rm -rf "$stage" && mkdir -p "$app/Contents/MacOS" "$app/Contents/Resources"

# 1. A universal binary: both architectures built with cgo, joined by lipo. Go 1.26 needs macOS 12.
export MACOSX_DEPLOYMENT_TARGET=12.0
for arch in arm64 amd64; do
	(cd "$root" && CGO_ENABLED=1 GOOS=darwin GOARCH=$arch go build -trimpath -ldflags "$ldflags" \
		-o "$stage/calsync-$arch" ./cmd/calsync)
done
lipo -create -output "$app/Contents/MacOS/calsync" "$stage/calsync-arm64" "$stage/calsync-amd64"

# 2. Info.plist and the icon (an .icns from assets/icon.png, 512 px and the smaller sizes).
"$here/info-plist.sh" "$version" >"$app/Contents/Info.plist"
plutil -lint "$app/Contents/Info.plist"
iconset="$stage/calsync.iconset"
mkdir -p "$iconset"
for s in 16 32 128 256 512; do
	sips -z "$s" "$s" "$root/assets/icon.png" --out "$iconset/icon_${s}x${s}.png" >/dev/null
	d=$((s * 2))
	if [ "$d" -le 512 ]; then
		sips -z "$d" "$d" "$root/assets/icon.png" --out "$iconset/icon_${s}x${s}@2x.png" >/dev/null
	fi
done
iconutil -c icns -o "$app/Contents/Resources/calsync.icns" "$iconset"

# 3. Sign: the hardened runtime (--options runtime) and a secure timestamp are what notarization
# requires; --deep also signs anything nested (there is nothing else today).
if [ -n "${SIGN_IDENTITY:-}" ]; then
	codesign --force --deep --options runtime --timestamp --sign "$SIGN_IDENTITY" "$app"
else
	echo "package.sh: SIGN_IDENTITY not set: signing ad hoc (runs on this Mac only; not notarized)"
	codesign --force --deep --sign - "$app"
fi
codesign --verify --strict --deep --verbose=2 "$app"

notarize() { # notarize FILE: submit, wait for Apple's verdict, staple the ticket to FILE
	local submit=$1
	if [ "${submit##*.}" = app ]; then
		submit="$stage/notarize.zip"
		ditto -c -k --keepParent "$1" "$submit"
	fi
	xcrun notarytool submit "$submit" --keychain-profile "$NOTARY_PROFILE" --wait
	xcrun stapler staple "$1"
	xcrun stapler validate "$1"
}
do_notarize=0
if [ -n "${SIGN_IDENTITY:-}" ] && [ -n "${NOTARY_PROFILE:-}" ] && [ "${SKIP_NOTARIZE:-0}" != 1 ]; then
	do_notarize=1
	notarize "$app"
	spctl --assess --type execute --verbose=2 "$app"
elif [ -n "${SIGN_IDENTITY:-}" ]; then
	echo "package.sh: NOTARY_PROFILE not set (or SKIP_NOTARIZE=1): signed but not notarized"
fi

# 4. The .dmg: the app and a link to /Applications to drag it onto.
mkdir -p "$stage/dmg"
ditto "$app" "$stage/dmg/$name.app"
ln -s /Applications "$stage/dmg/Applications"
rm -f "$dmg"
hdiutil create -volname "$name" -srcfolder "$stage/dmg" -fs HFS+ -format UDZO -ov "$dmg"
if [ -n "${SIGN_IDENTITY:-}" ]; then
	codesign --force --timestamp --sign "$SIGN_IDENTITY" "$dmg"
	if [ "$do_notarize" -eq 1 ]; then
		notarize "$dmg"
	fi
fi
echo "package.sh: built $app and $dmg"
