package service

import (
	"errors"
	"fmt"
	"path"
	"strings"
)

// Definition is the file a user service manager reads for the calsync
// service: what `calsync service install` writes on macOS and Linux.
type Definition struct {
	// HomePath is where install writes it, relative to the user's home
	// directory, with "/" separators: "Library/LaunchAgents/calsync.plist"
	// or ".config/systemd/user/calsync.service".
	HomePath string
	// Content is the whole file.
	Content string
}

// Values of the LaunchAgent that docs/service.md explains.
const (
	// launchdExitTimeOut is launchd's own default, stated so the plist says
	// how long DefaultStopTimeout has before SIGKILL.
	launchdExitTimeOut = 20
)

// DefinitionFile renders the service definition file for p.GOOS, byte for
// byte what install writes: Config hands the same text to kardianos as its
// whole template (SystemdScript, LaunchdConfig), and a template without
// actions renders as it is. Packaging renders it through
// `calsync service print-config` to ship and check it without installing.
// Windows keeps its service definition in the service control manager, not
// in a file, so it gets an error, as does an unsupported GOOS.
//
// Unlike Validate, DefinitionFile does not insist on absolute paths, so a
// portable unit can name "%h/.local/bin/calsync" (systemd expands %h to the
// user's home).
func DefinitionFile(p Params) (Definition, error) {
	var errs []error
	if !supportedOS(p.GOOS) {
		errs = append(errs, fmt.Errorf("service definition: GOOS %q is not supported, want windows, darwin or linux", p.GOOS))
	}
	for _, f := range []struct{ field, v string }{{"Executable", p.Executable}, {"ConfigPath", p.ConfigPath}} {
		switch {
		case f.v == "":
			errs = append(errs, fmt.Errorf("service definition: %s is empty, want the path of the %s", f.field, what(f.field)))
		case strings.ContainsAny(f.v, "\n\r\x00"):
			errs = append(errs, fmt.Errorf("service definition: %s %q contains a line break or NUL, which no service file can carry", f.field, f.v))
		case strings.Contains(f.v, "{{") || strings.Contains(f.v, "}}"):
			// kardianos parses the definition as a template: braces would be read as actions.
			errs = append(errs, fmt.Errorf("service definition: %s %q contains {{ or }}, which the service installer reads as a template action; move the file to a plainer path", f.field, f.v))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Definition{}, err
	}
	switch p.GOOS {
	case "darwin":
		return Definition{HomePath: "Library/LaunchAgents/" + Name + ".plist", Content: launchdPlist(p)}, nil
	case "linux":
		return Definition{HomePath: ".config/systemd/user/" + Name + ".service", Content: systemdUnit(p)}, nil
	}
	return Definition{}, errors.New("service definition: a Windows service is defined in the service control manager, not in a file; `sc qc calsync` shows it once installed")
}

func what(field string) string {
	if field == "Executable" {
		return "calsync binary"
	}
	return "configuration file"
}

// systemdUnit is the systemd user unit. It differs from kardianos's
// built-in template where a user unit needs it:
//   - WantedBy=default.target: the built-in multi-user.target exists only in
//     the system manager, so `systemctl --user enable` would never start the
//     unit at login or, with lingering, at boot;
//   - RestartSec=10 like Windows (the built-in waits 120 s), and no start
//     limit, so an unattended machine keeps retrying after a transient failure;
//   - TimeoutStopSec=30 leaves room for the 15 s bounded stop;
//   - no EnvironmentFile under /etc/sysconfig: a user unit has no business there.
//
// Quoting is kardianos's own (cmdEscape for the program path, cmd for each
// argument), so the unit is the same as its template engine would render.
func systemdUnit(p Params) string {
	exe := systemdEscapePath(p.Executable)
	var args strings.Builder
	for _, a := range runArguments(p.ConfigPath) {
		args.WriteString(" " + systemdQuote(a))
	}
	return "[Unit]\n" +
		"Description=" + Description + "\n" +
		"ConditionFileIsExecutable=" + exe + "\n" +
		"StartLimitIntervalSec=0\n" +
		"\n" +
		"[Service]\n" +
		"Type=simple\n" +
		"ExecStart=" + exe + args.String() + "\n" +
		"Restart=" + linuxRestart + "\n" +
		"RestartSec=10\n" +
		"TimeoutStopSec=30\n" +
		"\n" +
		"[Install]\n" +
		"WantedBy=default.target\n"
}

// systemdEscapePath is kardianos's cmdEscape: a space in the program path
// becomes \x20, which systemd unescapes.
func systemdEscapePath(s string) string { return strings.ReplaceAll(s, " ", `\x20`) }

// systemdQuote is kardianos's cmd: one double-quoted word.
func systemdQuote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }

// launchdPlist is the LaunchAgent: started at load (login) and kept alive,
// with launchd's stdout/stderr capture (where a crash trace lands) next to
// the config instead of the home folder, and launchd's 20 s grace period on
// stop written out. The keys are those of kardianos's built-in template
// minus the ones set to launchd's defaults (Disabled, SessionCreate false).
func launchdPlist(p Params) string {
	logDir := path.Dir(p.ConfigPath) // macOS paths use "/" whatever OS computes this
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Label</key>
	<string>` + xmlEscape(Name) + `</string>
	<key>ProgramArguments</key>
	<array>
`)
	for _, a := range append([]string{p.Executable}, runArguments(p.ConfigPath)...) {
		b.WriteString("\t\t<string>" + xmlEscape(a) + "</string>\n")
	}
	fmt.Fprintf(&b, `	</array>
	<key>RunAtLoad</key>
	<true/>
	<key>KeepAlive</key>
	<true/>
	<key>ExitTimeOut</key>
	<integer>%d</integer>
	<key>StandardOutPath</key>
	<string>%s</string>
	<key>StandardErrorPath</key>
	<string>%s</string>
</dict>
</plist>
`, launchdExitTimeOut, xmlEscape(logDir+"/"+Name+".out.log"), xmlEscape(logDir+"/"+Name+".err.log"))
	return b.String()
}

// xmlEscape escapes text for an XML element, as kardianos's plist escaper does.
func xmlEscape(s string) string {
	return strings.NewReplacer(`&`, "&amp;", `'`, "&#39;", `<`, "&lt;", `>`, "&gt;", `"`, "&#34;").Replace(s)
}
