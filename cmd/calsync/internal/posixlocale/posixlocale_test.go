package posixlocale

import (
	"os"
	"testing"

	"github.com/jeandeaual/go-locale"
	"golang.org/x/text/language"
)

func TestLanguageFor(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
		set  bool
	}{
		{"unset", nil, "", false},
		{"C", map[string]string{"LANG": "C"}, "", false},
		{"POSIX", map[string]string{"LANG": "POSIX"}, "", false},
		{"C.UTF-8", map[string]string{"LANG": "C.UTF-8"}, "en", true},
		{"C.utf8", map[string]string{"LANG": "C.utf8"}, "en", true},
		{"POSIX.UTF-8", map[string]string{"LANG": "POSIX.UTF-8"}, "en", true},
		{"en_US.UTF-8", map[string]string{"LANG": "en_US.UTF-8"}, "", false},
		{"it_IT.UTF-8", map[string]string{"LANG": "it_IT.UTF-8"}, "", false},
		{"it_IT@euro", map[string]string{"LANG": "it_IT@euro"}, "it_IT", true},
		{"de_DE.UTF-8@euro", map[string]string{"LANG": "de_DE.UTF-8@euro"}, "", false},
		{"es_419", map[string]string{"LANG": "es_419.UTF-8"}, "", false},
		{"bad territory", map[string]string{"LANG": "it_ITALY"}, "it", true},
		{"LC_ALL wins over LANG", map[string]string{"LC_ALL": "C.UTF-8", "LANG": "it_IT.UTF-8"}, "en", true},
		{"LC_MESSAGES before LANG", map[string]string{"LC_MESSAGES": "it_IT.UTF-8", "LANG": "C.UTF-8"}, "", false},
		{"LANGUAGE read instead", map[string]string{"LANG": "C.UTF-8", "LANGUAGE": "it:en"}, "", false},
		{"bad LANGUAGE entries dropped", map[string]string{"LANG": "C.UTF-8", "LANGUAGE": "it:C"}, "it", true},
		{"LANGUAGE ignored for exact C", map[string]string{"LANG": "C", "LANGUAGE": "C.UTF-8"}, "", false},
		{"no language at all", map[string]string{"LANG": "1.UTF-8"}, "en", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, set := languageFor(func(k string) string { return tt.env[k] })
			if got != tt.want || set != tt.set {
				t.Errorf("languageFor(%v) = %q, %v; want %q, %v", tt.env, got, set, tt.want, tt.set)
			}

			// What Fyne does with the result: every locale its reader returns must parse.
			for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"} {
				t.Setenv(k, tt.env[k])
				if tt.env[k] == "" {
					os.Unsetenv(k)
				}
			}
			if set {
				t.Setenv("LANGUAGE", got)
			}
			locales, err := locale.GetLocales()
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range locales {
				if _, err := language.Parse(l); err != nil {
					t.Errorf("Fyne would read locale %q and fail: %v", l, err)
				}
			}
		})
	}
}
