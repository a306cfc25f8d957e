#!/usr/bin/env bash
# screenshots.sh renders the desktop demo in a real window under Xvfb and saves one PNG per tab
# into docs/screenshots/ (make screenshots). Needs xvfb, imagemagick, xdotool and dbus.
set -euo pipefail
cd "$(dirname "$0")/.."
out=docs/screenshots
mkdir -p "$out"
bin=${1:-bin/calsync}

if [ -z "${CALSYNC_SCREENSHOTS_INNER:-}" ]; then
	export CALSYNC_SCREENSHOTS_INNER=1
	exec dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24" "$0" "$@"
fi

"$bin" demo --duration 120s >/tmp/calsync-screenshots.log 2>&1 &
demo=$!
trap 'kill $demo 2>/dev/null || true' EXIT
# Wait for the window, then for the first sync to fill the status table.
for _ in $(seq 1 60); do
	win=$(xdotool search --name "OneCloud Calendar Sync" 2>/dev/null | head -n 1 || true)
	[ -n "$win" ] && break
	sleep 0.5
done
[ -n "${win:-}" ] || { echo "screenshots: the window never appeared" >&2; cat /tmp/calsync-screenshots.log >&2; exit 1; }
xdotool windowmove "$win" 0 0 windowsize "$win" 1100 700
sleep 8

# Tab positions along the top of the window, left to right.
shoot() { # name x
	xdotool mousemove "$2" 21 click 1
	sleep 2
	import -window "$win" "$out/$1.png"
	echo "wrote $out/$1.png"
}
shoot status 33
shoot connector 112
shoot rules 187
shoot users 246
