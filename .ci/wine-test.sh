#!/usr/bin/env bash
# wine-test.sh runs the real calsync.exe and the real installer under Wine (Debian's wine64) and
# asserts what a Windows admin relies on: the silent install, the service, secrets in the
# Credential Manager, a sync of the demo office over the named pipe (calsync status), the
# window attached to the service (a screenshot under Xvfb), the desktop demo on a pipe of its own,
# an upgrade that keeps config, state and secrets, and the silent uninstall. `make wine-test`
# runs it (part of make test); packaging/README.md says what it covers and what it cannot.
#
# Usage: .ci/wine-test.sh CALSYNC_EXE INSTALLER ARTEFACT_DIR
#
# One fresh Wine prefix in a temporary directory for the whole run (initialising one takes
# 20-40 s); the emulators (.ci/wine/office) run on the Linux side on 127.0.0.1. Wine 8 lacks
# bcryptprimitives.dll, which Go programs load at start: .ci/wine/processprng.c stands in for it.
# Nothing is left behind: the trap ends the wineserver, Xvfb and the emulators, and removes the
# prefix. Only 64-bit Windows programs run here (no wine32).
set -euo pipefail
cd "$(dirname "$0")/.."

exe=$(realpath "${1:?usage: wine-test.sh CALSYNC_EXE INSTALLER ARTEFACT_DIR}")
setup=$(realpath "${2:?usage: wine-test.sh CALSYNC_EXE INSTALLER ARTEFACT_DIR}")
artefacts=${3:?usage: wine-test.sh CALSYNC_EXE INSTALLER ARTEFACT_DIR}
mkdir -p "$artefacts"
artefacts=$(realpath "$artefacts")

wine=$(command -v wine64 || echo /usr/lib/wine/wine64)
wineserver=$(command -v wineserver || echo /usr/lib/wine/wineserver)
for tool in "$wine" "$wineserver"; do
	[ -x "$tool" ] || { echo "wine-test: $tool not found (apt-get install wine64: .ci/install-deps.sh test)" >&2; exit 1; }
done
for tool in x86_64-w64-mingw32-gcc Xvfb import go; do
	command -v "$tool" >/dev/null || { echo "wine-test: $tool not found (.ci/install-deps.sh test)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/calsync-wine.XXXXXX)
export WINEPREFIX=$work/prefix WINEARCH=win64 WINEDEBUG=-all
# No Mono or Gecko download prompts (mscoree, mshtml); the ProcessPrng stand-in is a native DLL.
export WINEDLLOVERRIDES="mscoree,mshtml=;bcryptprimitives=n"
unset DISPLAY WAYLAND_DISPLAY
office_pid= xvfb_pid= window_pid= demo_pid=
cleanup() {
	local rc=$?
	for pid in $window_pid $demo_pid; do kill "$pid" 2>/dev/null || true; done
	[ -d "$WINEPREFIX" ] && "$wineserver" -k 2>/dev/null || true
	"$wineserver" -w 2>/dev/null || true
	for pid in $office_pid $xvfb_pid; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	if [ "$rc" -ne 0 ]; then
		echo "wine-test: FAILED; the service's log:" >&2
		sed 's/^/  /' "$WINEPREFIX/drive_c/ProgramData/calsync/calsync.log" >&2 2>/dev/null || true
	fi
	rm -rf "$work"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start=$SECONDS
step() { printf '== wine-test (%3ds) %s\n' "$((SECONDS - start))" "$*"; }
fail() { echo "wine-test: FAIL: $*" >&2; exit 1; }
ok() { echo "ok   $*"; }

c=$WINEPREFIX/drive_c
instdir_win='C:\Program Files\OneCloud Calendar Sync'
instdir=$c/Program\ Files/OneCloud\ Calendar\ Sync
datadir=$c/ProgramData/calsync
installed_exe="$instdir_win\\calsync.exe"

# calsync ARGS...: the installed calsync.exe (a GUI-subsystem program: Wine still hands it this
# shell's standard streams); its exit code is the program's.
calsync() { "$wine" "$installed_exe" "$@"; }
# calsync_out VAR ARGS...: runs calsync, its stdout+stderr into VAR, its exit code into rc.
calsync_out() {
	local __var=$1
	shift
	local __out
	set +e
	__out=$(calsync "$@" 2>&1 | tr -d '\r')
	rc=$? # pipefail: calsync's status when it failed
	set -e
	printf -v "$__var" '%s' "$__out"
}
# wait_for SECONDS WHAT COMMAND...: retries COMMAND every second until it succeeds.
wait_for() {
	local limit=$1 what=$2
	shift 2
	for _ in $(seq 1 "$limit"); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 1
	done
	fail "$what (waited ${limit}s)"
}
reg_value() { # KEY NAME: the value's data, as 64-bit reg.exe reads it
	"$wine" reg query "$1" /v "$2" 2>/dev/null | tr -d '\r' | awk -v n="$2" '$1 == n {$1 = ""; $2 = ""; sub(/^  /, ""); print}'
}
service_state() { # the service's state as calsync service status prints it (stdout only: Wine
	# may add a line of its own on stderr)
	calsync service status 2>/dev/null | tr -d '\r' | tail -n 1 || true
}
service_is() { [ "$(service_state)" = "$1" ]; }

step "prefix and the ProcessPrng stand-in"
x86_64-w64-mingw32-gcc -shared -O2 -o "$work/bcryptprimitives.dll" .ci/wine/processprng.c .ci/wine/processprng.def -ladvapi32
"$wine" wineboot --init >/dev/null 2>&1
"$wineserver" -w
cp "$work/bcryptprimitives.dll" "$c/windows/system32/bcryptprimitives.dll"
# One wineserver for the whole run, as one running Windows: the service keeps running between
# commands, and each command starts in a second instead of booting the prefix again.
"$wineserver" -p
# The first program also starts Wine's services.exe and device drivers, which stay up and keep its
# standard streams: let them inherit nothing a command substitution below waits on.
"$wine" cmd /c exit </dev/null >/dev/null 2>&1
version_out=$("$wine" "$exe" version 2>&1 | tr -d '\r') || fail "calsync.exe version under Wine: $version_out"
ok "calsync.exe runs under Wine: $(printf '%s' "$version_out" | head -n 1)"

step "the demo office's emulators on 127.0.0.1"
go build -o "$work/office" ./.ci/wine/office
mkdir -p "$work/office-dir"
coproc OFFICE { exec "$work/office" -dir "$work/office-dir" 2>&1; }
office_pid=$OFFICE_PID
read -r -t 60 line <&"${OFFICE[0]}" || fail "the emulators did not start"
[ "$line" = ready ] || fail "the emulators said: $line"
ok "emulators up: $(grep -o 'http://127.0.0.1:[0-9]*' "$work/office-dir/config.json" | sort -u | tr '\n' ' ')"

step "silent install (/S) of the 64-bit installer"
"$wine" "$setup" /S || fail "the installer exited with $?"
[ -f "$instdir/calsync.exe" ] || fail "no calsync.exe in $instdir_win"
[ -f "$instdir/uninstall.exe" ] || fail "no uninstall.exe in $instdir_win"
[ ! -e "$c/Program Files (x86)/OneCloud Calendar Sync" ] || fail "installed into Program Files (x86): a 32-bit installer?"
ok "calsync.exe in $instdir_win"
uninst='HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\calsync'
[ "$(reg_value "$uninst" DisplayName)" = "OneCloud Calendar Sync" ] || fail "no Apps & features entry in the 64-bit registry ($uninst)"
[ "$(reg_value "$uninst" InstallLocation)" = "$instdir_win" ] || fail "InstallLocation is not $instdir_win"
[ -z "$(reg_value 'HKLM\Software\Wow6432Node\Microsoft\Windows\CurrentVersion\Uninstall\calsync' DisplayName)" ] ||
	fail "the uninstall entry went to the 32-bit view (Wow6432Node)"
ok "Apps & features entry in the 64-bit registry view: $(reg_value "$uninst" DisplayVersion)"
image=$(reg_value 'HKLM\System\CurrentControlSet\Services\calsync' ImagePath)
case "$image" in *"$installed_exe"*"service run --config"*) ;; *) fail "service ImagePath is \"$image\"" ;; esac
ok "service registered: $image"
wait_for 30 "the installer's service never ran" service_is running
ok "service started by the installer"

step "configuration and secrets through the running service (Credential Manager)"
mkdir -p "$datadir"
cp "$work/office-dir/config.json" "$datadir/config.json"
for s in graph onecloud; do
	set +e
	out=$(calsync secret set "$s" <"$work/office-dir/$s.secret" 2>&1 | tr -d '\r')
	rc=$? # pipefail: calsync's status when it failed
	set -e
	[ "$rc" -eq 0 ] || fail "secret set $s: exit $rc: $out"
	case "$out" in *"handed to the running calsync service"*) ;; *) fail "secret set $s did not reach the service: $out" ;; esac
	ok "secret set $s: $out"
done

step "the service syncs the office; calsync status over the named pipe"
synced() {
	grep -qx '1001 meeting' "$work/office-dir/presence.txt" && calsync status --json 2>/dev/null | grep -q '"lastSync"'
}
wait_for 120 "the service did not sync the office (presence: $(tr '\n' ' ' <"$work/office-dir/presence.txt"))" synced
ok "OneCloud holds the synced presence ($(cat "$work/office-dir/writes.txt") writes): Mario Rossi in a meeting"
set +e
calsync status --json >"$artefacts/status.json" 2>"$work/status.err"
rc=$?
set -e
[ "$rc" -eq 0 ] || fail "status --json: exit $rc: $(cat "$artefacts/status.json" "$work/status.err")"
python3 - "$artefacts/status.json" <<'EOF' || fail "status --json is not the expected Status object"
import json, sys
st = json.load(open(sys.argv[1]))
users = {u["oneCloudUser"]: u for u in st["users"]}
assert st["state"] in ("ok", "syncing", "degraded"), st["state"]
assert st["version"], "no version"
assert len(users) == 12, len(users)
assert users["1001"]["current"]["activity"] == "meeting", users["1001"]
assert users["1001"]["calendar"], users["1001"]
assert users["1006"].get("lastError"), users["1006"]  # her mailbox does not exist
EOF
ok "status --json: the local API's Status object, 12 people"
calsync_out table status
[ "$rc" -eq 0 ] || fail "status: exit $rc: $table"
printf '%s\n' "$table" >"$artefacts/status.txt"
printf '%s\n' "$table" | grep -Eq '^USER +PRESENCE +UNTIL +CALENDAR +TEAMS +NEXT CHANGE +ERROR' || fail "status has no user table (with the demo's Teams column):\n$table"
printf '%s\n' "$table" | grep -q '^Mario Rossi  *meeting' || fail "status does not show Mario Rossi in a meeting:\n$table"
ok "status: the table"
printf '%s\n' "$table" | sed 's/^/     /'

step "the window attached to the service (Xvfb, Wine's desktop with the taskbar)"
# Xvfb picks a free display itself and writes its number once it accepts clients.
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$work/display" >/dev/null 2>&1 &
xvfb_pid=$!
wait_for 20 "Xvfb did not start" test -s "$work/display"
display=:$(tr -d '\n' <"$work/display")
streams() { grep -c 'event stream opened' "$datadir/calsync.log" || true; }
opened_before=$(streams)
DISPLAY=$display LANG=en_US.UTF-8 "$wine" explorer /desktop=calsync,1280x760 "$installed_exe" >/dev/null 2>&1 &
window_pid=$!
window_attached() { [ "$(streams)" -gt "$opened_before" ]; }
wait_for 90 "the window never attached to the service (no event stream in the service's log)" window_attached
sleep 8 # the first status is drawn
DISPLAY=$display import -window root -crop 1280x760+0+0 "$artefacts/window.png"
ok "the window follows the service: $(grep 'event stream opened' "$datadir/calsync.log" | tail -n 1 | grep -o 'peer=.*')"
ok "screenshot: $artefacts/window.png"
kill "$window_pid" 2>/dev/null || true
wait "$window_pid" 2>/dev/null || true
window_pid=
# The window's process ends with the explorer: the service closes its stream.
wait_for 30 "the window's event stream did not close" sh -c "[ \"\$(grep -c 'event stream closed' '$datadir/calsync.log')\" -ge \"\$(grep -c 'event stream opened' '$datadir/calsync.log')\" ]"

step "the desktop demo on a pipe of its own, beside the installed service"
opened_before=$(streams)
demo_log=$work/demo.log
DISPLAY=$display LANG=en_US.UTF-8 "$wine" explorer /desktop=demo,1280x760 "$installed_exe" demo --verbose >"$demo_log" 2>&1 &
demo_pid=$!
wait_for 60 "the demo never said where it serves its API: $(tr -d '\r' <"$demo_log")" grep -q 'local API on' "$demo_log"
demo_pipe=$(tr -d '\r' <"$demo_log" | sed -n 's/.*local API on \(\\\\\.\\pipe\\[^ ;]*\).*/\1/p' | head -n 1)
case "$demo_pipe" in
'\\.\pipe\ProtectedPrefix\'*) fail "the demo listens in the service's protected pipe namespace: $demo_pipe" ;;
'\\.\pipe\'*) ok "demo pipe: $demo_pipe" ;;
*) fail "the demo named no pipe: $(tr -d '\r' <"$demo_log")" ;;
esac
# --verbose: the demo's own local API logs to its standard error, as the service's does to its file.
wait_for 60 "the demo window never attached to the demo's own API: $(tr -d '\r' <"$demo_log" | tail -n 5)" grep -q 'event stream opened' "$demo_log"
grep -q "local API listening.*calsync-[0-9]*" "$demo_log" || fail "the demo's API is not on its pipe: $(grep 'local API listening' "$demo_log")"
ok "the demo window follows the demo office on its own pipe"
wait_for 60 "the demo window shows no people" grep -q 'presence set' "$demo_log"
sleep 5 # the status table is drawn
DISPLAY=$display import -window root -crop 1280x760+0+0 "$artefacts/demo.png"
[ "$(streams)" -eq "$opened_before" ] || fail "the demo window attached to the installed service"
calsync_out after status --json
[ "$rc" -eq 0 ] || fail "with the demo running, status of the installed service: exit $rc: $after"
printf '%s' "$after" | grep -q '"version"' || fail "status of the installed service: $after"
kill "$demo_pid" 2>/dev/null || true
wait "$demo_pid" 2>/dev/null || true
demo_pid=
ok "the installed service saw no demo client; the demo ran on its own pipe (screenshot: $artefacts/demo.png)"

step "calsync.exe service stop | status | start | uninstall | install"
calsync_out msg service stop
[ "$rc" -eq 0 ] && [ "$msg" != "" ] || fail "service stop: exit $rc: $msg"
[ "$(service_state)" = stopped ] || fail "service status after stop: $(service_state)"
calsync_out down status
[ "$rc" -eq 3 ] || fail "calsync status with the service stopped: exit $rc, want 3: $down"
case "$down" in *"calsync service start"*) ;; *) fail "calsync status with the service stopped names no remedy: $down" ;; esac
ok "stopped; calsync status exits 3: $(printf '%s' "$down" | head -n 1)"
# One secret store per installation: with the service installed and stopped, nothing falls back to
# this user's Credential Manager, which the LocalSystem service would never read.
printf 'another-client-secret-0123456789' >"$work/other.secret"
calsync_out refused secret set graph <"$work/other.secret"
[ "$rc" -ne 0 ] || fail "secret set with the service stopped went to this user's store: $refused"
case "$refused" in *"installed but not running"*"calsync service start"*) ;; *) fail "secret set with the service stopped: $refused" ;; esac
calsync_out refused check
[ "$rc" -ne 0 ] || fail "check with the service stopped tested this user's store: $refused"
case "$refused" in *"installed but not running"*) ;; *) fail "check with the service stopped: $refused" ;; esac
ok "secret set and check with the service stopped: they say to start it"
calsync_out msg service start
[ "$rc" -eq 0 ] && [ "$(service_state)" = running ] || fail "service start: exit $rc: $msg"
ok "started again"
calsync_out msg service uninstall
[ "$rc" -eq 0 ] && [ "$(service_state)" = "not installed" ] || fail "service uninstall: exit $rc: $msg"
ok "uninstalled: $msg"
calsync_out msg service install
[ "$rc" -eq 0 ] || fail "service install: exit $rc: $msg"
case "$msg" in *"install the calsync service"*) fail "service install: $msg" ;; esac
[ "$(service_state)" = stopped ] || fail "service status after install: $(service_state)"
ok "installed: $(printf '%s' "$msg" | grep -v '^time=' | head -n 1)"
if printf '%s' "$msg" | grep -q 'optional setting'; then
	ok "refused optional settings logged as warnings: $(printf '%s' "$msg" | grep -o 'err="[^"]*"' | tr '\n' ' ')"
fi
calsync_out msg service start
[ "$rc" -eq 0 ] && [ "$(service_state)" = running ] || fail "service start after reinstall: exit $rc: $msg"
ok "started"

calsync_out checked check
case "$checked" in *"Checked by the running calsync service"*) ;; *) fail "check did not test the service's own secrets: $checked" ;; esac
printf '%s\n' "$checked" | grep -q '^✓ Client secret is present' || fail "check through the service: no client secret:\n$checked"
ok "check runs in the service, with its secrets (exit $rc)"
calsync_out made cert new
[ "$rc" -eq 0 ] || fail "cert new: exit $rc: $made"
case "$made" in *"the running calsync service's keychain"*) ;; *) fail "cert new did not go to the service: $made" ;; esac
[ -f "$datadir/calsync-graph.cer" ] || fail "cert new: no calsync-graph.cer beside the service's configuration"
ok "cert new: the key in the service's store, the certificate beside its configuration"

step "upgrade: the installer again over the running installation"
cp "$datadir/config.json" "$work/config.before"
state_files=$(cd "$datadir" && ls)
"$wine" "$setup" /S || fail "the upgrade exited with $?"
cmp -s "$datadir/config.json" "$work/config.before" || fail "the upgrade changed config.json"
for f in $state_files; do
	[ -e "$datadir/$f" ] || fail "the upgrade removed $f from %ProgramData%\\calsync"
done
wait_for 30 "the service is not running after the upgrade" service_is running
calsync_out secrets secret status
printf '%s\n' "$secrets" | grep -Eq '^graph +set' && printf '%s\n' "$secrets" | grep -Eq '^onecloud +set' ||
	fail "secrets lost in the upgrade:\n$secrets"
resynced() { calsync status --json 2>/dev/null | grep -q '"activity":"meeting"'; }
wait_for 60 "after the upgrade the service does not sync with the kept secrets" resynced
ok "config, state ($(printf '%s' "$state_files" | tr '\n' ' ')) and secrets kept; the service syncs again"

step "silent uninstall"
"$wine" "$instdir_win\\uninstall.exe" /S || fail "the uninstaller exited with $?"
# The uninstaller runs from a copy in %TEMP% and returns at once: wait for it to finish.
wait_for 60 "the uninstaller left $instdir_win behind" test ! -e "$instdir/calsync.exe"
wait_for 30 "the uninstaller left the service" sh -c "! \"$wine\" reg query 'HKLM\\System\\CurrentControlSet\\Services\\calsync' >/dev/null 2>&1"
[ -z "$(reg_value "$uninst" DisplayName)" ] || fail "the Apps & features entry is still there"
[ -f "$datadir/config.json" ] || fail "the uninstaller removed %ProgramData%\\calsync\\config.json"
ok "program, service and Apps & features entry removed; %ProgramData%\\calsync kept"

"$wineserver" -k 2>/dev/null || true
step "passed"
echo "wine-test: all Windows runtime checks passed in $((SECONDS - start)) s"
