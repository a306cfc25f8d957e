#!/usr/bin/env bash
# screenshots.sh renders the desktop demo in a real window under Xvfb and saves one PNG per tab
# into docs/screenshots/ (make screenshots), plus the Status tab in Italian (status-it.png).
# The first-run wizard and the Service tab, which the demo never shows, are rendered by Fyne's
# software renderer in a Go test (app/screenshots_test.go). Needs xvfb, imagemagick, xdotool,
# dbus and Go.
set -euo pipefail
cd "$(dirname "$0")/.."
out=docs/screenshots
mkdir -p "$out"
bin=${1:-bin/calsync}

if [ -z "${CALSYNC_SCREENSHOTS_INNER:-}" ]; then
	export CALSYNC_SCREENSHOTS_INNER=1
	exec dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24" "$0" "$@"
fi

# Fyne picks the language from the environment; each run says which it wants.
unset LC_ALL LC_MESSAGES LANGUAGE
demo=
trap '[ -n "$demo" ] && kill $demo 2>/dev/null || true' EXIT

# start_demo LANG: runs the demo in that language and waits for its window and first sync.
start_demo() {
	LANG=$1 "$bin" demo --duration 120s >/tmp/calsync-screenshots.log 2>&1 &
	demo=$!
	win=
	for _ in $(seq 1 60); do
		win=$(xdotool search --name "OneCloud Calendar Sync" 2>/dev/null | head -n 1 || true)
		[ -n "$win" ] && break
		sleep 0.5
	done
	[ -n "${win:-}" ] || { echo "screenshots: the window never appeared" >&2; cat /tmp/calsync-screenshots.log >&2; exit 1; }
	# The window as it first opens (app.defaultWindowSize): the Status table is made to be read
	# whole at that size.
	xdotool windowmove "$win" 0 0 windowsize "$win" 960 640
	sleep 8
}

stop_demo() {
	kill "$demo" 2>/dev/null || true
	wait "$demo" 2>/dev/null || true
	demo=
	sleep 1
}

# Tab positions along the top of the window, left to right.
shoot() { # name x
	xdotool mousemove "$2" 21 click 1
	sleep 2
	import -window "$win" "$out/$1.png"
	echo "wrote $out/$1.png"
}

start_demo en_US.UTF-8
shoot status 33
shoot connector 112
shoot rules 187
shoot users 246
shoot contacts 325
stop_demo

# Italian: the longest labels, to check that nothing overflows.
start_demo it_IT.UTF-8
shoot status-it 30
stop_demo

LANG=en_US.UTF-8 CALSYNC_SCREENSHOTS="$PWD/$out" go test -count=1 -run '^TestScreenshots$' ./app/
echo "wrote $out/wizard.png and $out/service.png"
