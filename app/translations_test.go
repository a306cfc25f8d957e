package app

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// translationsKeys returns every string literal the package's code (tests aside) passes as the
// text of lang.L, lang.Localize, lang.X or lang.LocalizeKey, with where it is.
func translationsKeys(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]string{}
	fset := token.NewFileSet()
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if pkg, ok := sel.X.(*ast.Ident); !ok || pkg.Name != "lang" {
				return true
			}
			switch sel.Sel.Name {
			case "L", "Localize", "X", "LocalizeKey":
			default:
				return true
			}
			if lit, ok := call.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				s, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Fatal(err)
				}
				keys[s] = fset.Position(lit.Pos()).String()
			}
			return true
		})
	}
	return keys
}

// translationsLoad merges every translations/*/<name>.json, reporting keys that two files
// translate differently (the lead loads them all into one table, so one would silently win).
func translationsLoad(t *testing.T, name string) map[string]string {
	t.Helper()
	out := map[string]string{}
	from := map[string]string{}
	err := fs.WalkDir(translations, "translations", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Base(path) != name {
			return err
		}
		data, err := fs.ReadFile(translations, path)
		if err != nil {
			return err
		}
		m := map[string]string{}
		if err := json.Unmarshal(data, &m); err != nil {
			t.Errorf("%s: %v", path, err)
			return nil
		}
		for k, v := range m {
			if prev, ok := out[k]; ok && prev != v {
				t.Errorf("%q is %q in %s but %q in %s", k, prev, from[k], v, path)
			}
			out[k], from[k] = v, path
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestEveryStringHasAnItalianTranslation checks, across all screens, that every literal passed
// to lang.L has an English and an Italian entry in some translations/*/ file, with the same
// placeholders.
func TestEveryStringHasAnItalianTranslation(t *testing.T) {
	keys := translationsKeys(t)
	if len(keys) < 200 {
		t.Fatalf("found only %d lang.L strings; is the walk right?", len(keys))
	}
	en, it := translationsLoad(t, "en.json"), translationsLoad(t, "it.json")
	if it["Stored in the system keychain"] == "Stored in the system keychain" {
		t.Error("the Italian table holds English text")
	}
	var sorted []string
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		if en[k] == "" {
			t.Errorf("%s: no en.json has %q", keys[k], k)
		}
		v := it[k]
		switch {
		case v == "":
			t.Errorf("%s: no it.json has %q", keys[k], k)
		case translationsPlaceholders(v) != translationsPlaceholders(k):
			t.Errorf("it.json: %q -> %q changes the placeholders", k, v)
		}
	}
}

// translationsPlaceholders lists the {{.Name}} placeholders of s, sorted.
func translationsPlaceholders(s string) string {
	var out []string
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			break
		}
		j := strings.Index(s[i:], "}}")
		if j < 0 {
			break
		}
		out = append(out, s[i:i+j+2])
		s = s[i+j+2:]
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}
