package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestNoInsecureSkipVerify walks every .go file of the repository and fails
// if any turns off TLS certificate checks: calsync sends a client secret and
// API tokens, and must never accept a certificate it cannot verify (the
// emulators use plain http on loopback instead). This file is the only
// exception, as it names the field to look for it.
func TestNoInsecureSkipVerify(t *testing.T) {
	root := moduleRoot(t)
	self, err := filepath.Abs("insecure_test.go")
	if err != nil {
		t.Fatal(err)
	}
	needle := []byte("Insecure" + "SkipVerify")
	files := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" || (d.Name() == "bin" && filepath.Dir(path) == root) {
				return filepath.SkipDir
			}
			return nil
		}
		if filepath.Ext(path) != ".go" || path == self {
			return nil
		}
		files++
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(data, needle) {
			rel, _ := filepath.Rel(root, path)
			t.Errorf("%s uses %s: TLS certificates must always be verified", rel, needle)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 {
		t.Fatalf("only %d .go files under %s: the walk missed the repository", files, root)
	}
}

// moduleRoot is the directory of go.mod above the working directory.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
}
