package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// guiFiles are the only files of this package that may reach the GUI package: the window
// (calsync with no command) and the desktop demo. Every other command - sync, check, secret,
// rules, service, version - must run on a server without a display and start without any Fyne
// app, driver or window being made; Fyne's packages are linked in and initialise, nothing more.
func guiFiles() []string { return []string{"cmd_gui.go", "cmd_demo.go"} }

func TestWindowlessCommandsDoNotReachTheGUI(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range file.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			gui := path == "github.com/calsync/calsync/app" || strings.HasPrefix(path, "fyne.io/")
			if gui && !slices.Contains(guiFiles(), f) {
				t.Errorf("%s imports %s: only %v may, so windowless commands make no Fyne app", f, path, guiFiles())
			}
		}
	}
	// The GUI files must not hand app to a windowless command either: app is used only inside
	// the two functions that open a window, and the service-state constants.
	for _, f := range guiFiles() {
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if sel, ok := call.Fun.(*ast.SelectorExpr); ok {
				if id, ok := sel.X.(*ast.Ident); ok && id.Name == "app" && sel.Sel.Name != "Run" {
					t.Errorf("%s: app.%s called; the window is opened through app.Run alone", fset.Position(call.Pos()), sel.Sel.Name)
				}
			}
			return true
		})
	}
}
