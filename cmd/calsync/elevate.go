package main

import "strings"

// elevatedArgs are the arguments of the copy of the GUI started as
// administrator: this copy's own (args, without the program name), less any
// --draft of its own, plus --draft for the unsaved edits when there are some.
// The draft flag belongs to the root command, so it goes before the others.
func elevatedArgs(args []string, draft string) []string {
	var out []string
	if draft != "" {
		out = append(out, "--draft", draft)
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--draft" || a == "-draft":
			i++ // and its value
		case strings.HasPrefix(a, "--draft=") || strings.HasPrefix(a, "-draft="):
		default:
			out = append(out, a)
		}
	}
	return out
}
