package app

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/BurntSushi/toml"
)

// TestFyneAppMetadata keeps FyneApp.toml, which the packaging tools read, in step with the code.
func TestFyneAppMetadata(t *testing.T) {
	var meta struct {
		Details struct {
			Icon, Name, ID, Version string
			Build                   int
		}
		LinuxAndBSD struct {
			GenericName, Comment string
			Categories, Keywords []string
		}
		Migrations map[string]bool
	}
	dir := ".." // the top of the repository: the one FyneApp.toml (packaging/appmeta's tests keep it one)
	path := filepath.Join(dir, "FyneApp.toml")
	if _, err := toml.DecodeFile(path, &meta); err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	d := meta.Details
	if d.ID != appID {
		t.Errorf("Details.ID = %q, want appID %q", d.ID, appID)
	}
	if d.Name != "OneCloud Calendar Sync" {
		t.Errorf("Details.Name = %q", d.Name)
	}
	if d.Version == "" || d.Build < 1 {
		t.Errorf("Details.Version = %q, Build = %d; both are required", d.Version, d.Build)
	}
	if _, err := os.Stat(filepath.Join(dir, d.Icon)); err != nil {
		t.Errorf("Details.Icon: %v", err)
	}
	if !meta.Migrations["fyneDo"] {
		t.Error("[Migrations] fyneDo must be true: UI updates from goroutines go through fyne.Do")
	}
	l := meta.LinuxAndBSD
	if l.GenericName == "" || l.Comment == "" || len(l.Categories) == 0 || len(l.Keywords) == 0 {
		t.Errorf("[LinuxAndBSD] incomplete: %+v", l)
	}
}
