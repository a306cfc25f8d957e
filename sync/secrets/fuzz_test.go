package secrets

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func FuzzNormalizeValue(f *testing.F) {
	for _, seed := range []string{"", "abc\n", " abc\r\n", "a\tb", "\xff", "pässwörd", "a\u0085", strings.Repeat("x", 2561)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for _, goos := range []string{"linux", "windows", "darwin"} {
			v, err := NormalizeValue(in, goos)
			if err != nil {
				// The message depends on the value's shape only: the same
				// input with every printable character swapped for another
				// gives the same text.
				_, merr := NormalizeValue(maskPrintable(in), goos)
				if merr == nil || merr.Error() != err.Error() {
					t.Fatalf("error depends on the content: %v vs %v", err, merr)
				}
				continue
			}
			if v == "" || !utf8.ValidString(v) || len(v) > MaxSecretBytes(goos) {
				t.Fatalf("accepted bad value %q on %s", v, goos)
			}
			if strings.IndexFunc(v, unicode.IsControl) >= 0 || strings.Trim(v, " \t") != v {
				t.Fatalf("accepted untrimmed or control value %q", v)
			}
			if !strings.Contains(in, v) {
				t.Fatalf("normalised %q is not part of the input %q", v, in)
			}
			if again, err := NormalizeValue(v, goos); err != nil || again != v {
				t.Fatalf("not idempotent: %q -> %q, %v", v, again, err)
			}
		}
	})
}

func FuzzParseName(f *testing.F) {
	for _, seed := range []string{"graph", "OneCloud", "", "x", " graph\n"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		n, err := ParseName(in)
		if err != nil {
			// Fixed texts: the input is never repeated.
			if _, empty := ParseName(""); err.Error() != empty.Error() {
				if _, unknown := ParseName("?"); err.Error() != unknown.Error() {
					t.Fatalf("unexpected error text: %v", err)
				}
			}
			return
		}
		if !n.valid() || !strings.EqualFold(strings.TrimSpace(in), string(n)) {
			t.Fatalf("ParseName(%q) = %q", in, n)
		}
	})
}

// maskPrintable replaces each printable rune other than space with one of
// the same UTF-8 length, keeping spaces, control characters and invalid
// bytes where they are.
func maskPrintable(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1, r == ' ', !unicode.IsPrint(r):
			b.WriteString(s[i : i+size])
		default:
			b.WriteString([]string{"", "x", "é", "€", "😀"}[size])
		}
		i += size
	}
	return b.String()
}
