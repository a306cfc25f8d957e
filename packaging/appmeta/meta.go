package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// Meta is what FyneApp.toml says of the app, in the layout `fyne package` reads.
type Meta struct {
	Website   string
	Languages []string
	Details   struct {
		Icon, Name, ID, Version string
		Build                   int
	}
	LinuxAndBSD struct {
		GenericName, Comment string
		Categories, Keywords []string
	}
	Migrations map[string]bool
}

var (
	versionPattern = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+$`)
	// A reverse-DNS ID: what macOS (CFBundleIdentifier), Windows (assemblyIdentity) and Fyne accept.
	idPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]*(\.[A-Za-z][A-Za-z0-9-]*)+$`)
	// The characters a Windows .rc string, an Info.plist and a sed replacement take without escaping.
	namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._+-]*$`)
)

// Load reads and checks the metadata file at path; a missing or malformed field is an error
// naming it, so no package is built with an empty name or a version the installers refuse.
func Load(path string) (*Meta, error) {
	var m Meta
	md, err := toml.DecodeFile(path, &m)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if un := md.Undecoded(); len(un) > 0 {
		return nil, fmt.Errorf("read %s: unknown key %s", path, un[0])
	}
	var problems []error
	bad := func(field, want string) { problems = append(problems, fmt.Errorf("%s: %s", field, want)) }
	d := m.Details
	if !namePattern.MatchString(d.Name) {
		bad("Details.Name", fmt.Sprintf("%q must be letters, digits, spaces and ._+- (it goes into resource and plist files as is)", d.Name))
	}
	if !idPattern.MatchString(d.ID) {
		bad("Details.ID", fmt.Sprintf("%q is not a reverse-DNS ID like com.example.app", d.ID))
	}
	if !versionPattern.MatchString(d.Version) {
		bad("Details.Version", fmt.Sprintf("%q is not X.Y.Z", d.Version))
	}
	if d.Build < 1 {
		bad("Details.Build", fmt.Sprintf("%d must be 1 or more (macOS CFBundleVersion)", d.Build))
	}
	if d.Icon == "" {
		bad("Details.Icon", "is required")
	} else if _, err := os.Stat(filepath.Join(filepath.Dir(path), d.Icon)); err != nil {
		bad("Details.Icon", fmt.Sprintf("%q: %v (the path is relative to %s)", d.Icon, err, path))
	}
	l := m.LinuxAndBSD
	if l.GenericName == "" {
		bad("LinuxAndBSD.GenericName", "is required")
	}
	if l.Comment == "" {
		bad("LinuxAndBSD.Comment", "is required")
	}
	if len(l.Categories) == 0 {
		bad("LinuxAndBSD.Categories", "needs at least one freedesktop category")
	}
	if err := errors.Join(problems...); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &m, nil
}

// Get returns the value of one key; list values are joined by ";".
func (m *Meta) Get(key string) (string, error) {
	switch key {
	case "Name":
		return m.Details.Name, nil
	case "ID":
		return m.Details.ID, nil
	case "Version":
		return m.Details.Version, nil
	case "Build":
		return strconv.Itoa(m.Details.Build), nil
	case "Icon":
		return m.Details.Icon, nil
	case "Website":
		return m.Website, nil
	case "GenericName":
		return m.LinuxAndBSD.GenericName, nil
	case "Comment":
		return m.LinuxAndBSD.Comment, nil
	case "Categories":
		return strings.Join(m.LinuxAndBSD.Categories, ";"), nil
	case "Keywords":
		return strings.Join(m.LinuxAndBSD.Keywords, ";"), nil
	}
	return "", fmt.Errorf("unknown key %q; expected Name, ID, Version, Build, Icon, Website, GenericName, Comment, Categories or Keywords", key)
}

var appPlaceholder = regexp.MustCompile(`@APP_[A-Z_]*@`)

// Fill replaces the @APP_...@ placeholders of a template; one it does not know is an error, so
// a typo in a template cannot ship as literal text. Other @...@ placeholders (the git version,
// the year) are left for the calling script.
func (m *Meta) Fill(template string) (string, error) {
	values := map[string]string{
		"@APP_NAME@":    m.Details.Name,
		"@APP_ID@":      m.Details.ID,
		"@APP_VERSION@": m.Details.Version,
		"@APP_BUILD@":   strconv.Itoa(m.Details.Build),
		"@APP_WEBSITE@": m.Website,
	}
	var unknown string
	out := appPlaceholder.ReplaceAllStringFunc(template, func(p string) string {
		v, ok := values[p]
		if !ok && unknown == "" {
			unknown = p
		}
		return v
	})
	if unknown != "" {
		return "", fmt.Errorf("unknown placeholder %s; expected @APP_NAME@, @APP_ID@, @APP_VERSION@, @APP_BUILD@ or @APP_WEBSITE@", unknown)
	}
	return out, nil
}

// DesktopEntry renders the freedesktop.org menu entry. Exec and Icon name the installed binary
// and icon (packaging/linux/install.sh puts them in place and rewrites Exec to the full path).
func (m *Meta) DesktopEntry() string {
	l := m.LinuxAndBSD
	var b strings.Builder
	line := func(k, v string) { fmt.Fprintf(&b, "%s=%s\n", k, v) }
	b.WriteString("[Desktop Entry]\n")
	line("Type", "Application")
	line("Name", desktopString(m.Details.Name))
	line("GenericName", desktopString(l.GenericName))
	line("Comment", desktopString(l.Comment))
	line("Exec", "calsync")
	line("Icon", "calsync")
	line("Terminal", "false")
	line("Categories", desktopList(l.Categories))
	if len(l.Keywords) > 0 {
		line("Keywords", desktopList(l.Keywords))
	}
	line("StartupNotify", "true")
	return b.String()
}

// desktopString escapes a value as the Desktop Entry Specification's string type wants it.
func desktopString(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\t", `\t`, "\r", `\r`).Replace(s)
}

// desktopList joins a list with ";" (and a trailing one), escaping ";" inside an item.
func desktopList(items []string) string {
	var b strings.Builder
	for _, it := range items {
		b.WriteString(strings.ReplaceAll(desktopString(it), ";", `\;`))
		b.WriteString(";")
	}
	return b.String()
}
