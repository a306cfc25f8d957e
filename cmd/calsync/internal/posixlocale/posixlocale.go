// Package posixlocale makes the C and POSIX locales (LANG=C.UTF-8 on fresh Debian and Ubuntu
// machines) mean English to Fyne before Fyne's packages initialise. Fyne's lang package reads the
// locale in its package initialiser and prints "Fyne error: Error parsing user locale C" on stderr
// for C.UTF-8, on every run of every command; an error on each run teaches admins to ignore
// errors and breaks scripts that treat stderr as failure.
//
// Import it for its side effect, from package main only: its initialiser must run before
// fyne.io/fyne/v2/lang's. Go initialises packages in import-path order among those whose imports
// are ready (the spec, since Go 1.21), and this package imports only os and strings, which the
// locale reader Fyne uses (github.com/jeandeaual/go-locale) needs too; so this one, sorting before
// it, runs first. cmd/calsync's locale test runs the real binary to keep that true.
package posixlocale

import (
	"os"
	"strings"
)

func init() {
	if v, ok := languageFor(os.Getenv); ok {
		os.Setenv("LANGUAGE", v) // an error here only means Fyne logs its locale error: nothing to do
	}
}

// languageFor returns the LANGUAGE value that lets Fyne's locale reader parse the environment,
// and whether one is needed. Like that reader (and gettext) it takes the first of LC_ALL,
// LC_MESSAGES and LANG that is set; exactly "C" or "POSIX", or none at all, it already reads as
// English. Otherwise it reads LANGUAGE, a colon-separated list, when set, else that locale. Each
// entry becomes language[_territory] as the reader would split it; one without a language ("C"
// of "C.UTF-8") is dropped, a territory that is not one ("IT@euro") is left out; with no entry
// left the value is "en".
func languageFor(getenv func(string) string) (string, bool) {
	var locale string
	for _, k := range [...]string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if locale = getenv(k); locale != "" {
			break
		}
	}
	if locale == "" || locale == "C" || locale == "POSIX" {
		return "", false
	}
	list := locale
	if languages := getenv("LANGUAGE"); languages != "" {
		list = languages
	}
	var kept []string
	clean := true
	for _, e := range strings.Split(list, ":") {
		c, ok := parseable(e)
		clean = clean && c == e
		if ok {
			kept = append(kept, c)
		}
	}
	switch {
	case clean:
		return "", false
	case len(kept) == 0:
		return "en", true
	}
	return strings.Join(kept, ":"), true
}

// parseable splits a POSIX locale name (language[_territory][.codeset][@modifier]) as the reader
// does - the codeset cut off, then language and territory at "_" or "-" - and returns the entry
// unchanged when both parts are well-formed (two or three letters; two letters or three digits),
// else language[_territory] from the parts that are, and false when the language is not.
func parseable(entry string) (string, bool) {
	rest, _, _ := strings.Cut(entry, ".")
	lang, territory, _ := strings.Cut(strings.ReplaceAll(rest, "-", "_"), "_")
	if !isLanguage(lang) {
		return "", false
	}
	if territory == "" || isTerritory(territory) {
		return entry, true
	}
	if t, _, _ := strings.Cut(territory, "@"); isTerritory(t) {
		return lang + "_" + t, true
	}
	return lang, true
}

func isLanguage(s string) bool {
	return (len(s) == 2 || len(s) == 3) && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") == ""
}

func isTerritory(s string) bool {
	return (len(s) == 2 && strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") == "") ||
		(len(s) == 3 && strings.Trim(s, "0123456789") == "")
}
