// Command appmeta reads the app's metadata from the one FyneApp.toml at the top of the repository
// and hands it to the packaging scripts, so the name, ID, version and desktop-entry fields are
// written down once: the Windows resources and installer, the macOS Info.plist and the Linux
// .desktop entry all come from it.
//
// Usage:
//
//	go run ./packaging/appmeta [-file FyneApp.toml] get KEY      print one value (KEY below)
//	go run ./packaging/appmeta [-file FyneApp.toml] fill FILE    print FILE with @APP_NAME@, @APP_ID@,
//	                                                             @APP_VERSION@, @APP_BUILD@ and
//	                                                             @APP_WEBSITE@ filled in
//	go run ./packaging/appmeta [-file FyneApp.toml] desktop      print the Linux .desktop entry
//
// KEY is Name, ID, Version, Build, Icon (the path as written, relative to FyneApp.toml), Website,
// GenericName, Comment, Categories or Keywords (lists joined by ";").
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("appmeta", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("file", "FyneApp.toml", "the app metadata `file`")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	usage := func(msg string) int {
		fmt.Fprintf(stderr, "appmeta: %s\nusage: appmeta [-file FyneApp.toml] get KEY | fill FILE | desktop\n", msg)
		return 2
	}
	if fs.NArg() == 0 {
		return usage("a command is required")
	}
	cmd, rest := fs.Arg(0), fs.Args()[1:]
	meta, err := Load(*file)
	if err != nil {
		fmt.Fprintf(stderr, "appmeta: %v\n", err)
		return 1
	}
	var out string
	switch cmd {
	case "get":
		if len(rest) != 1 {
			return usage("get takes one KEY")
		}
		out, err = meta.Get(rest[0])
		out += "\n"
	case "fill":
		if len(rest) != 1 {
			return usage("fill takes one FILE")
		}
		var tmpl []byte
		if tmpl, err = os.ReadFile(rest[0]); err == nil {
			out, err = meta.Fill(string(tmpl))
		}
		if err != nil {
			err = fmt.Errorf("fill %s: %w", rest[0], err)
		}
	case "desktop":
		if len(rest) != 0 {
			return usage("desktop takes no arguments")
		}
		out = meta.DesktopEntry()
	default:
		return usage(fmt.Sprintf("unknown command %q", cmd))
	}
	if err != nil {
		fmt.Fprintf(stderr, "appmeta: %v\n", err)
		return 1
	}
	if _, err := io.WriteString(stdout, out); err != nil {
		fmt.Fprintf(stderr, "appmeta: %v\n", err)
		return 1
	}
	return 0
}
