#!/usr/bin/env python3
"""check-plists.py validates the macOS property lists with Python's plistlib, on any OS.

Usage: check-plists.py INFO_PLIST LAUNCH_AGENT_PLIST FYNEAPP_TOML
  INFO_PLIST          Info.plist with its placeholders filled (packaging/darwin/info-plist.sh)
  LAUNCH_AGENT_PLIST  the LaunchAgent as `calsync service print-config --os darwin` renders it
  FYNEAPP_TOML        the top-level FyneApp.toml, whose ID the bundle must carry

plistlib parses the XML strictly (a malformed file fails here as it would in launchd), then each
key macOS acts on is checked: the bundle is tray-only (LSUIElement), names the executable and
icon the build puts in place, and the LaunchAgent runs `calsync service run --config ...` at
login and is kept alive.
"""
import plistlib
import re
import sys


def fyne_details(path):
    """The [Details] values of FyneApp.toml (tomllib where Python has it, else a plain scan)."""
    try:
        import tomllib

        with open(path, "rb") as f:
            return tomllib.load(f)["Details"]
    except ImportError:
        details = {}
        with open(path, encoding="utf-8") as f:
            for line in f:
                m = re.match(r'\s*(\w+)\s*=\s*"?([^"#]*?)"?\s*$', line)
                if m:
                    details.setdefault(m.group(1), m.group(2))
        return details


def main(argv):
    if len(argv) != 4:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    info_path, agent_path, toml_path = argv[1:]
    problems = []

    def want(ok, what):
        print(("ok   " if ok else "FAIL ") + what)
        if not ok:
            problems.append(what)

    details = fyne_details(toml_path)
    with open(info_path, "rb") as f:
        info = plistlib.load(f)
    want(info.get("CFBundleIdentifier") == details["ID"],
         f"Info.plist CFBundleIdentifier {info.get('CFBundleIdentifier')!r} is FyneApp.toml's ID {details['ID']!r}")
    want(info.get("CFBundleName") == details["Name"], f"Info.plist CFBundleName {info.get('CFBundleName')!r}")
    want(info.get("CFBundleExecutable") == "calsync", "Info.plist CFBundleExecutable is calsync")
    want(info.get("CFBundleIconFile") == "calsync", "Info.plist CFBundleIconFile is calsync (Resources/calsync.icns)")
    want(info.get("CFBundlePackageType") == "APPL", "Info.plist CFBundlePackageType is APPL")
    want(info.get("LSUIElement") is True, "Info.plist LSUIElement is true (tray only, no Dock icon)")
    want(info.get("NSHighResolutionCapable") is True, "Info.plist NSHighResolutionCapable is true")
    want(re.fullmatch(r"\d+\.\d+(\.\d+)?", str(info.get("LSMinimumSystemVersion", ""))) is not None,
         f"Info.plist LSMinimumSystemVersion {info.get('LSMinimumSystemVersion')!r}")
    short = str(info.get("CFBundleShortVersionString", ""))
    want(re.fullmatch(r"\d+\.\d+\.\d+", short) is not None, f"Info.plist CFBundleShortVersionString {short!r} is X.Y.Z")
    build = str(info.get("CFBundleVersion", ""))
    want(re.fullmatch(r"\d+(\.\d+){0,2}", build) is not None, f"Info.plist CFBundleVersion {build!r} is 1 to 3 numbers")
    left = [k for k, v in info.items() if isinstance(v, str) and "@" in v]
    want(not left, f"Info.plist has no unfilled @placeholders@ {left}")

    with open(agent_path, "rb") as f:
        agent = plistlib.load(f)
    want(agent.get("Label") == "calsync", f"LaunchAgent Label {agent.get('Label')!r} is calsync")
    args = agent.get("ProgramArguments", [])
    want(len(args) == 5 and args[0].endswith("/Contents/MacOS/calsync") and args[1:4] == ["service", "run", "--config"]
         and args[4].endswith("/config.json"),
         f"LaunchAgent ProgramArguments {args} run <app>/Contents/MacOS/calsync service run --config .../config.json")
    want(agent.get("RunAtLoad") is True, "LaunchAgent RunAtLoad is true (starts at login)")
    want(agent.get("KeepAlive") is True, "LaunchAgent KeepAlive is true (restarted when it exits)")
    for key in ("StandardOutPath", "StandardErrorPath"):
        value = str(agent.get(key, ""))
        want(value.startswith("/") and value.endswith(".log"), f"LaunchAgent {key} {value!r} is an absolute .log path")
    timeout = agent.get("ExitTimeOut")
    want(isinstance(timeout, int) and timeout >= 15, f"LaunchAgent ExitTimeOut {timeout!r} leaves the 15 s bounded stop room")

    if problems:
        print(f"check-plists.py: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print("check-plists.py: Info.plist and the LaunchAgent plist are valid")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
