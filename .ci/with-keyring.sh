#!/usr/bin/env bash
# with-keyring.sh runs a command against a real, unlocked Secret Service: a private D-Bus session
# bus with gnome-keyring-daemon serving org.freedesktop.secrets, the way go-keyring's own CI does.
# It works as root in a container without a login session, and keeps every file it makes in a
# throwaway directory under /tmp (removed afterwards), so it never touches the user's real keyrings.
#
# Usage: .ci/with-keyring.sh COMMAND [ARG...]
# The command sees CALSYNC_REAL_KEYRING=1 so tests that need the real keychain run.
set -euo pipefail

if [ $# -eq 0 ]; then
	echo "usage: $0 COMMAND [ARG...]" >&2
	exit 2
fi
for tool in dbus-run-session gnome-keyring-daemon; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "with-keyring.sh: $tool not found; run .ci/install-deps.sh test" >&2
		exit 1
	fi
done

scratch=$(mktemp -d /tmp/calsync-keyring.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/data" "$scratch/runtime"
chmod 700 "$scratch/runtime"

# XDG_DATA_HOME holds the keyring file, XDG_RUNTIME_DIR the daemon's control socket; HOME and the
# Go caches stay as they are.
export XDG_DATA_HOME="$scratch/data" XDG_RUNTIME_DIR="$scratch/runtime" CALSYNC_REAL_KEYRING=1

# Inside the session: unlocking with a password on stdin creates and unlocks the "login" keyring,
# which becomes the default collection go-keyring writes to. The daemon prints its environment
# (GNOME_KEYRING_CONTROL=...); we don't need it because clients find it on the session bus.
#
# dbus-daemon started as root in a container cannot raise its file descriptor limit and says so
# ("Failed to set fd limit to 65536: Operation not permitted") on every start: harmless, and nothing
# to act on, so that one line is dropped from standard error; everything else still shows, and the
# exit status is the command's.
# shellcheck disable=SC2016 # expanded by the inner shell
set +e
{ dbus-run-session -- sh -c '
	printf "calsync-ci" | gnome-keyring-daemon --unlock --components=secrets >/dev/null || {
		echo "with-keyring.sh: gnome-keyring-daemon failed to start" >&2
		exit 1
	}
	# The daemon forks before it owns org.freedesktop.secrets; wait for the name so the command
	# does not race it (D-Bus activation would start a second, locked daemon).
	i=0
	until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true"; do
		i=$((i + 1))
		if [ "$i" -gt 100 ]; then
			echo "with-keyring.sh: org.freedesktop.secrets did not appear on the session bus" >&2
			exit 1
		fi
		sleep 0.1
	done
	exec "$@"
' with-keyring "$@" 2>&1 1>&3 3>&- | grep -v --line-buffered 'Failed to set fd limit' >&2; } 3>&1
exit "${PIPESTATUS[0]}"
