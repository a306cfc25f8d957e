package rules

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// star marks a '*' in a compiled pattern. It is negative, so no rune of a
// text (utf8 decoding yields 0..MaxRune or RuneError) can ever equal it.
const star rune = -1

// pattern is a wildcard pattern prepared for matching: its runes reduced to
// their case-fold class representative, runs of '*' collapsed into one star.
type pattern []rune

// compilePattern prepares a wildcard pattern: surrounding white space is
// dropped, every '*' is a wildcard (there is no escape), everything else is a
// literal compared case-insensitively.
func compilePattern(s string) pattern {
	s = strings.TrimSpace(s)
	p := make(pattern, 0, len(s))
	for _, r := range s {
		if r == '*' {
			if len(p) > 0 && p[len(p)-1] == star {
				continue
			}
			p = append(p, star)
			continue
		}
		p = append(p, foldClass(r))
	}
	return p
}

// Match reports whether text matches the wildcard pattern. Both are taken
// without surrounding white space; '*' matches any run of characters,
// including none, and may stand anywhere, any number of times; without '*'
// the whole text must match. Letters compare by Unicode simple case folding,
// the rule strings.EqualFold uses: "ÉQUIPE" matches "équipe" and "STRAẞE"
// matches "straße", but "STRASSE" does not ("ß" -> "ss" is full folding, a
// change of length, which simple folding does not do). Text is not
// normalized: a precomposed "é" and "e" + combining accent differ.
//
// The greedy two-pointer algorithm takes O(len(pattern)*len(text)) steps at
// worst and never backtracks exponentially.
func Match(pat, text string) bool {
	return compilePattern(pat).match(text)
}

// match runs the greedy two-pointer wildcard match over the text's runes,
// decoding as it goes so that matching allocates nothing.
func (p pattern) match(text string) bool {
	text = strings.TrimSpace(text)
	pi, ti := 0, 0
	// Where the last star stands in p, and the text offset up to which it
	// currently swallows; -1 while no star has been seen.
	lastStar, starEnd := -1, 0
	for ti < len(text) {
		if pi < len(p) && p[pi] == star {
			if pi == len(p)-1 {
				return true // a trailing star takes the rest of the text
			}
			// Let the star match nothing first; widen it on a mismatch.
			lastStar, starEnd = pi, ti
			pi++
			continue
		}
		r, size := foldAt(text, ti)
		if pi < len(p) && p[pi] == r {
			pi++
			ti += size
			continue
		}
		if lastStar < 0 {
			return false
		}
		// Mismatch after a star: the star swallows one more rune, and every
		// rune after it that cannot start the literal following the star,
		// and that literal is tried again from there. Only the last star
		// ever needs widening, which keeps this polynomial.
		_, size = foldAt(text, starEnd)
		starEnd += size
		for want := p[lastStar+1]; starEnd < len(text); starEnd += size {
			if r, size = foldAt(text, starEnd); r == want {
				break
			}
		}
		pi, ti = lastStar+1, starEnd
	}
	for pi < len(p) && p[pi] == star {
		pi++
	}
	return pi == len(p)
}

// foldAt decodes the rune at text[i:] and returns its fold class and width,
// with a fast path for ASCII, which most calendar text is.
func foldAt(text string, i int) (rune, int) {
	if c := text[i]; c < utf8.RuneSelf {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		return rune(c), 1
	}
	r, size := utf8.DecodeRuneInString(text[i:])
	return foldClass(r), size
}

// foldClass returns one fixed member of r's simple case-folding orbit (the
// smallest), so that two runes are equal under strings.EqualFold exactly when
// their classes are equal.
func foldClass(r rune) rune {
	if r < utf8.RuneSelf {
		// An ASCII upper-case letter is the smallest member of its orbit
		// (the others, lower case and e.g. U+212A KELVIN SIGN, are larger).
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}
	m := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < m {
			m = f
		}
	}
	return m
}
