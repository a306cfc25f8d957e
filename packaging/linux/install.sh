#!/bin/sh
# install.sh installs OneCloud Calendar Sync for the user who runs it, from the unpacked tar.gz:
#   ~/.local/bin/calsync                                        the program
#   ~/.local/share/applications/calsync.desktop                 the menu entry
#   ~/.local/share/icons/hicolor/512x512/apps/calsync.png       its icon
# then `calsync service install` and `calsync service start` (a systemd user unit, docs/service.md).
# That command writes ~/.config/systemd/user/calsync.service itself; the calsync.service beside this
# script is the same unit with %h for the home directory, for admins who deploy units with their
# own tools (for /etc/systemd/user/, point both %h/.local/bin/calsync lines at a shared binary).
# Running it again with a newer tar.gz is the upgrade: it stops the service, replaces the files and
# starts it again; the configuration (~/.config/calsync) and the secrets (keyring) stay.
#
# Usage: ./install.sh [--autostart] [--no-service]
#   --autostart   also open the desktop app at login (copies the menu entry to ~/.config/autostart)
#   --no-service  install the files only (no user session here, or you run the sync elsewhere)
# Run it as that user in a real login, not with sudo: the service is a user unit.
set -eu

autostart=0
service=1
for arg in "$@"; do
	case "$arg" in
	--autostart) autostart=1 ;;
	--no-service) service=0 ;;
	-h | --help) sed -n '2,16s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "install.sh: unknown option \"$arg\"; expected --autostart or --no-service" >&2; exit 2 ;;
	esac
done
if [ "$(id -u)" -eq 0 ] && [ "$service" -eq 1 ]; then
	echo "install.sh: run this as the user who uses calsync, not as root (the service is a systemd user unit)." >&2
	echo "To install only the files for root anyway: ./install.sh --no-service" >&2
	exit 1
fi

src=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
conf=${XDG_CONFIG_HOME:-$HOME/.config}
bindir=$HOME/.local/bin
exe=$bindir/calsync

# Upgrade: stop the running sync first so it saves its state and releases the binary.
if [ "$service" -eq 1 ] && [ -x "$exe" ]; then
	"$exe" service stop || true
fi

mkdir -p "$bindir" "$data/applications" "$data/icons/hicolor/512x512/apps"
# Copy then rename: replacing a running binary in place would fail ("text file busy").
cp "$src/calsync" "$exe.new" && chmod 755 "$exe.new" && mv -f "$exe.new" "$exe"
cp "$src/icons/hicolor/512x512/apps/calsync.png" "$data/icons/hicolor/512x512/apps/calsync.png"
# The menu entry names the binary by its full path: ~/.local/bin is not on every session's PATH.
sed "s|^Exec=calsync|Exec=$exe|" "$src/calsync.desktop" >"$data/applications/calsync.desktop"
if [ "$autostart" -eq 1 ]; then
	mkdir -p "$conf/autostart"
	cp "$data/applications/calsync.desktop" "$conf/autostart/calsync.desktop"
	echo "install.sh: the desktop app opens at login ($conf/autostart/calsync.desktop; delete it to stop)"
fi
echo "install.sh: installed $exe ($("$exe" version 2>/dev/null | head -n 1 || echo "version unknown"))"

if [ "$service" -eq 0 ]; then
	echo "install.sh: service not installed (--no-service); later: $exe service install && $exe service start"
	exit 0
fi
# `install` on an installed unit answers "already installed" and succeeds: the unit names this same path.
if ! "$exe" service install; then
	echo "install.sh: the files are installed, but the service is not: run, in your own login (not sudo):" >&2
	echo "  $exe service install && $exe service start" >&2
	exit 1
fi
if ! "$exe" service start; then
	echo "install.sh: the service is installed but did not start; see: journalctl --user -u calsync" >&2
	exit 1
fi
echo "install.sh: done. Open \"OneCloud Calendar Sync\" from the menu to configure it."
