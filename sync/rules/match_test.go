package rules

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestMatch(t *testing.T) {
	tests := []struct {
		name, pattern, text string
		want                bool
	}{
		// No '*': the whole text must match.
		{"exact", "lunch", "lunch", true},
		{"exact case", "LUNCH", "Lunch", true},
		{"exact longer text", "lunch", "team lunch", false},
		{"exact text prefix", "lunch", "lunchtime", false},
		{"exact shorter text", "lunch", "lunc", false},

		// '*' after the text: prefix match.
		{"prefix", "lunch*", "Lunch break", true},
		{"prefix empty rest", "lunch*", "lunch", true},
		{"prefix not at start", "lunch*", "team lunch", false},

		// '*' before the text: suffix match.
		{"suffix", "*lunch", "Team lunch", true},
		{"suffix empty rest", "*lunch", "lunch", true},
		{"suffix not at end", "*lunch", "lunch break", false},

		// '*' on both sides: contains.
		{"contains", "*lunch*", "a lunch b", true},
		{"contains bare", "*lunch*", "lunch", true},
		{"contains missing", "*lunch*", "launch", false},
		{"contains newline", "*lunch*", "team\nlunch", true},

		// '*' inside.
		{"inside", "lu*ch", "lunch", true},
		{"inside empty", "lu*ch", "luch", true},
		{"inside longer", "lu*ch", "lunches", false},
		{"inside wrong start", "lu*ch", "blunch", false},

		// Several '*'.
		{"multiple in order", "*a*b*c*", "xaybzc", true},
		{"multiple out of order", "*a*b*c*", "cba", false},
		{"multiple anchored", "a*b*c", "abc", true},
		{"multiple anchored end", "a*b*c", "abcd", false},
		{"consecutive stars", "lu**ch", "lunch", true},
		{"backtrack suffix", "*aab", "aaab", true},
		{"backtrack inside", "a*ab", "aab", true},
		{"too few", "*a*a", "a", false},
		{"repeated segment", "*ab*ab", "abxab", true},
		{"repeated segment short", "*ab*ab", "ab", false},

		// Only '*'.
		{"star any", "*", "anything at all", true},
		{"star empty", "*", "", true},
		{"star spaces", "*", "   ", true},
		{"stars only", "***", "x", true},

		// Empty pattern: only empty text.
		{"empty empty", "", "", true},
		{"empty text", "", "x", false},
		{"empty spaces", "  ", " ", true},

		// Surrounding white space of both sides is ignored, inner is literal.
		{"pattern spaces", "  lunch  ", "lunch", true},
		{"text spaces", "lunch", " \tLunch \n", true},
		{"nbsp", "lunch", "\u00a0Lunch\u00a0", true},
		{"star spaces around", " *lunch* ", "  team lunch  ", true},
		{"inner space literal", "* lunch", "lunch", false},
		{"inner space kept", "team lunch", "team  lunch", false},
		{"trailing literal space", "Room *", "room B", true},
		{"trailing literal space missing", "Room *", "Room", false},
		{"prefix not inside", "Room *", "Meeting room 4", false},
		{"order counts", "*client*call*", "Client: weekly call", true},
		{"order counts reversed", "*client*call*", "Call with client", false},

		// Regexp and glob metacharacters other than '*' are literal.
		{"parens", "(meeting)*", "(Meeting) 1", true},
		{"dot", "a.c", "abc", false},
		{"question", "?", "x", false},
		{"question literal", "?", "?", true},
		{"brackets", "[x]*", "[X] call", true},
		{"backslash", `a\*`, `a\b`, true},

		// Unicode: simple case folding.
		{"accent upper", "ÉQUIPE", "équipe", true},
		{"accent contains", "*équipe*", "RÉUNION D'ÉQUIPE", true},
		{"accent differs", "equipe", "équipe", false},
		{"greek sigma", "ΟΔΟΣ", "οδος", true},
		{"greek final sigma", "ΟΔΟΣ", "οδοσ", true},
		{"kelvin sign", "\u212a", "k", true},
		{"long s", "\u017f", "S", true},
		{"sharp s capital", "straße", "STRAẞE", true},
		{"sharp s no expansion", "Straße", "STRASSE", false},
		{"turkish dotted I", "İstanbul", "istanbul", false},
		{"turkish dotless i", "ı", "I", false},
		{"emoji", "*🍕*", "pizza 🍕 friday", true},
		{"no normalization", "café", "cafe\u0301", false},
		{"cyrillic", "*ОБЕД*", "Бизнес-обед", true},
		{"cjk", "*会议*", "项目会议室", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Match(tt.pattern, tt.text); got != tt.want {
				t.Errorf("Match(%q, %q) = %v, want %v", tt.pattern, tt.text, got, tt.want)
			}
			if ref := refMatch(tt.pattern, tt.text); ref != tt.want {
				t.Errorf("reference(%q, %q) = %v, want %v (table or reference is wrong)", tt.pattern, tt.text, ref, tt.want)
			}
		})
	}
}

// TestMatchNoExponentialBacktracking runs inputs that take a naive recursive
// matcher 2^n steps. It asserts the answers, not a time: a regression would
// hang the test until the go test timeout.
func TestMatchNoExponentialBacktracking(t *testing.T) {
	text := strings.Repeat("a", 5000)
	pat := strings.Repeat("*a", 30) + "*b"
	if Match(pat, text) {
		t.Errorf("Match(%q, a*5000) = true, want false", pat)
	}
	if !Match(pat[:len(pat)-1]+"a", text) {
		t.Errorf("Match(%q, a*5000) = false, want true", pat[:len(pat)-1]+"a")
	}
}

// TestMatchExhaustive compares Match with the reference on every pattern
// and text up to a small length over alphabets with case pairs and stars.
func TestMatchExhaustive(t *testing.T) {
	patterns := allStrings([]string{"a", "b", "*", "ẞ"}, 4)
	texts := allStrings([]string{"A", "b", "ß"}, 5)
	for _, pat := range patterns {
		re, err := refRegexp(pat)
		if err != nil {
			t.Fatalf("reference regexp for %q: %v", pat, err)
		}
		for _, text := range texts {
			if got, want := Match(pat, text), re.MatchString(text); got != want {
				t.Errorf("Match(%q, %q) = %v, reference %v", pat, text, got, want)
			}
		}
	}
}

// allStrings returns every concatenation of up to n of the parts.
func allStrings(parts []string, n int) []string {
	out := []string{""}
	level := []string{""}
	for range n {
		var next []string
		for _, s := range level {
			for _, p := range parts {
				next = append(next, s+p)
			}
		}
		out = append(out, next...)
		level = next
	}
	return out
}

// TestFoldClassMatchesEqualFold checks the fold class against the standard
// library on every rune of the first planes that folds at all.
func TestFoldClassMatchesEqualFold(t *testing.T) {
	for r := rune(0); r < 0x20000; r++ {
		c := foldClass(r)
		if !strings.EqualFold(string(r), string(c)) {
			t.Fatalf("foldClass(%U) = %U, not EqualFold", r, c)
		}
		if foldClass(c) != c {
			t.Fatalf("foldClass(foldClass(%U)) = %U, want %U", r, foldClass(c), c)
		}
	}
}

// refMatch is the reference matcher: the pattern translated to an anchored
// regexp. Go's (?i) folds by unicode.SimpleFold orbits, the same relation
// strings.EqualFold and Match use, so the two agree on every valid input.
func refMatch(pat, text string) bool {
	re, err := refRegexp(pat)
	if err != nil {
		panic(err)
	}
	return re.MatchString(strings.TrimSpace(text))
}

func refRegexp(pat string) (*regexp.Regexp, error) {
	parts := strings.Split(strings.TrimSpace(pat), "*")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.Compile(`(?is)\A` + strings.Join(parts, ".*") + `\z`)
}

func FuzzMatch(f *testing.F) {
	f.Add("*lunch*", "Team Lunch")
	f.Add("ÉQUIPE*", "équipe du lundi")
	f.Fuzz(func(t *testing.T, pat, text string) {
		got := Match(pat, text)
		// Text without '*' matches itself, whatever it contains.
		if !strings.Contains(text, "*") && !Match(text, text) {
			t.Errorf("Match(%q, itself) = false", text)
		}
		if !utf8.ValidString(pat) || len(pat) > 1000 {
			return // regexp refuses invalid UTF-8; long patterns only test the size limits
		}
		re, err := refRegexp(pat)
		if err != nil {
			t.Skipf("reference cannot compile %q: %v", pat, err)
		}
		if want := re.MatchString(strings.TrimSpace(text)); got != want {
			t.Errorf("Match(%q, %q) = %v, reference %v", pat, text, got, want)
		}
	})
}
