package layering

import (
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/calsync/calsync/"

// appMayImport is every package of this module the GUI may import: the local API client (its
// only way to the service) and pure packages that do no I/O of their own, which it uses to edit
// the config and to try rules on the admin's screen.
var appMayImport = []string{
	"assets",
	"sync/calendar",
	"sync/clock",
	"sync/config",
	"sync/expiry",
	"sync/localapi",
	"sync/rules",
	"sync/service/action",
	"sync/teams",
	"sync/workhours",
}

// appNeverDependsOn are the parts that belong to the service: the GUI reaches them only through
// the local API, even indirectly.
var appNeverDependsOn = []string{
	"github.com/kardianos/service",
	"github.com/zalando/go-keyring",
	module + "sync/contacts",
	module + "sync/daemon",
	module + "sync/emulator",
	module + "sync/presence",
	module + "sync/graph",
	module + "sync/onecloud",
	module + "sync/secrets",
	module + "sync/service",
}

type pkg struct {
	path    string   // import path
	imports []string // direct imports
	deps    []string // transitive imports (through this module's packages)
}

// listModule parses the import clauses of every non-test Go file in the module, for every OS,
// and closes them over the module's own packages. It reads the sources itself rather than asking
// `go list`, so that go test's cache sees the files and a new import reruns the test.
func listModule(t *testing.T) map[string]pkg {
	t.Helper()
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found: %v", err)
	}
	imports := map[string]map[string]bool{}
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "bin") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		ip := module + filepath.ToSlash(rel)
		if imports[ip] == nil {
			imports[ip] = map[string]bool{}
		}
		for _, spec := range f.Imports {
			imp, err := strconv.Unquote(spec.Path.Value)
			if err != nil {
				return err
			}
			imports[ip][imp] = true
		}
		return nil
	})
	if err != nil {
		t.Fatalf("read the module's imports: %v", err)
	}
	if len(imports) < 20 {
		t.Fatalf("found %d packages; the module has more", len(imports))
	}
	pkgs := map[string]pkg{}
	for ip := range imports {
		seen := map[string]bool{}
		var visit func(string)
		visit = func(p string) {
			for imp := range imports[p] {
				if !seen[imp] {
					seen[imp] = true
					visit(imp)
				}
			}
		}
		visit(ip)
		pkgs[ip] = pkg{path: ip, imports: slices.Sorted(maps.Keys(imports[ip])), deps: slices.Sorted(maps.Keys(seen))}
	}
	return pkgs
}

func TestSyncNeverImportsTheGUI(t *testing.T) {
	for _, p := range listModule(t) {
		if !strings.HasPrefix(p.path, module+"sync/") {
			continue
		}
		for _, d := range p.deps {
			if d == module+"app" || strings.HasPrefix(d, module+"app/") || strings.HasPrefix(d, "fyne.io/") {
				t.Errorf("%s depends on %s: nothing in sync/ may reach the GUI or Fyne", p.path, d)
			}
			if strings.HasPrefix(d, module+"cmd/") {
				t.Errorf("%s depends on %s: sync/ never imports the command", p.path, d)
			}
		}
	}
}

func TestAppReachesTheServiceOnlyThroughTheLocalAPI(t *testing.T) {
	pkgs := listModule(t)
	app, ok := pkgs[module+"app"]
	if !ok {
		t.Fatal("package app not listed")
	}
	for _, imp := range app.imports {
		if rel, ours := strings.CutPrefix(imp, module); ours && !slices.Contains(appMayImport, rel) {
			t.Errorf("app imports %s; it may import only %v", imp, appMayImport)
		}
	}
	for _, d := range app.deps {
		if slices.Contains(appNeverDependsOn, d) {
			t.Errorf("app depends on %s, which belongs to the service", d)
		}
	}
}

// The emulators are the demo's and the tests' stand-ins for Microsoft 365 and OneCloud: the
// demo (the emulated office `calsync demo` runs) is the one production package that starts
// them, and only the command starts the demo, so no part of a real sync can reach them.
func TestOnlyTheDemoImportsTheEmulators(t *testing.T) {
	pkgs := listModule(t)
	for _, p := range pkgs {
		if slices.Contains(p.imports, module+"sync/emulator") && p.path != module+"sync/demo" {
			t.Errorf("%s imports sync/emulator; only sync/demo may (tests aside)", p.path)
		}
		if slices.Contains(p.imports, module+"sync/demo") && p.path != module+"cmd/calsync" {
			t.Errorf("%s imports sync/demo; only cmd/calsync may", p.path)
		}
		if p.path == module+"sync/daemon" || p.path == module+"sync/service" {
			if slices.Contains(p.deps, module+"sync/emulator") {
				t.Errorf("%s depends on sync/emulator", p.path)
			}
		}
	}
}

// The emulators decode and validate requests with types of their own, written from the docs:
// importing a client would let a contract mistake in it be mirrored and go unseen.
func TestEmulatorsImportNoClient(t *testing.T) {
	pkgs := listModule(t)
	emu, ok := pkgs[module+"sync/emulator"]
	if !ok {
		t.Fatal("package sync/emulator not listed")
	}
	for _, client := range []string{"sync/onecloud", "sync/graph", "sync/teamspresence", "sync/contacts", "sync/presence"} {
		if slices.Contains(emu.deps, module+client) {
			t.Errorf("sync/emulator depends on %s", client)
		}
	}
}
