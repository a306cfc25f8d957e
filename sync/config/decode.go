package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrNewerVersion marks a config written by a newer calsync, whose schema
// this build does not know; it is refused rather than half-understood.
var ErrNewerVersion = errors.New("written by a newer calsync")

// DecodeError is one reason a config text could not be read, with where it
// is: the file (when known), the 1-based line and column (when the problem
// has a place in the text) and the JSON path of the field (when it concerns
// one). Decode joins several with errors.Join; errors.As finds the first.
type DecodeError struct {
	Path   string // file name; empty for Decode
	Line   int    // 0 when unknown
	Column int    // in characters, 1-based
	Field  string // e.g. "rules[2].match"; empty when not about one field
	Err    error
}

func (e *DecodeError) Error() string {
	var b strings.Builder
	switch {
	case e.Path != "" && e.Line > 0:
		fmt.Fprintf(&b, "%s:%d:%d: ", e.Path, e.Line, e.Column)
	case e.Path != "":
		b.WriteString(e.Path + ": ")
	case e.Line > 0:
		fmt.Fprintf(&b, "line %d, column %d: ", e.Line, e.Column)
	}
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	if e.Err == nil {
		b.WriteString("invalid config")
	} else {
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *DecodeError) Unwrap() error { return e.Err }

// Decode reads a config from JSON. It is strict: unknown fields (including
// ones that differ only in case), values of the wrong JSON type, duplicate
// fields and trailing data are errors naming the field; syntax errors give
// the line and column. A missing or zero "version" means version 1, the first
// schema; an older version is migrated to CurrentVersion; a newer one is
// refused with ErrNewerVersion. A UTF-8 byte order mark (Windows Notepad) is
// ignored. Decode does not Validate the values: an unfinished config still
// loads, so it can be edited.
func Decode(data []byte) (*Config, error) {
	return decoder{current: CurrentVersion, migrations: migrations()}.decode(data, "")
}

// looksUTF16 reports whether data is UTF-16 text: a UTF-16 byte order mark
// (Notepad's "Unicode"), or NUL bytes among the first characters, which
// UTF-8 JSON never has (it writes a NUL as \u0000).
func looksUTF16(data []byte) bool {
	if bytes.HasPrefix(data, []byte{0xff, 0xfe}) || bytes.HasPrefix(data, []byte{0xfe, 0xff}) {
		return true
	}
	return bytes.IndexByte(data[:min(len(data), 64)], 0) >= 0
}

// migration turns a config document of schema version from into version
// from+1. It works on the generic JSON document (objects are map[string]any,
// numbers json.Number) because the old shape no longer has a Go type.
type migration struct {
	from    int
	migrate func(doc map[string]any) error
}

// migrations lists the schema upgrades in order, one per version, as
// Syncthing's lib/config does. Version 1 is the first schema, so the list is
// empty today; bumping CurrentVersion needs an entry here (a test checks).
func migrations() []migration {
	return []migration{}
}

// decoder holds what Decode needs besides the text, so tests can give it
// another current version and migrations of their own.
type decoder struct {
	current    int
	migrations []migration
}

func (d decoder) decode(data []byte, path string) (*Config, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	at := func(off int64, field string, err error) *DecodeError {
		e := &DecodeError{Path: path, Field: field, Err: err}
		if off >= 0 {
			e.Line, e.Column = lineColumn(data, off)
		}
		return e
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, at(-1, "", errors.New(`empty; expected a JSON object like {"version": 1, ...}`))
	}
	if looksUTF16(data) {
		return nil, at(-1, "", errors.New("the file is saved as UTF-16 (\"Unicode\"); save it as UTF-8 "+
			"(in Notepad: Save As, Encoding UTF-8)"))
	}
	// json.Unmarshal checks the whole text first and reports the byte offset
	// of a syntax error, including data after the top-level value.
	var raw json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			off := se.Offset - 1 // the offset counts the offending byte
			if strings.HasPrefix(se.Error(), "unexpected end") {
				off = se.Offset
			}
			return nil, at(max(off, 0), "", errors.New(se.Error()))
		}
		return nil, at(-1, "", err)
	}

	p := parser{data: data, pos: map[string]int64{}}
	p.dec = json.NewDecoder(bytes.NewReader(data))
	p.dec.UseNumber()
	root, err := p.value("")
	if err != nil { // cannot happen after the syntax check; do not panic if it does
		return nil, at(-1, "", err)
	}
	doc, ok := root.(map[string]any)
	if !ok {
		return nil, at(p.pos[""], "", fmt.Errorf("expected a JSON object at the top level, got %s", describe(root)))
	}

	// The version decides how to read everything else, so it comes first:
	// a newer file may well have fields this build calls unknown.
	version, err := readVersion(doc["version"])
	if err != nil {
		return nil, at(p.pos["version"], "version", err)
	}
	if version > d.current {
		return nil, at(-1, "", fmt.Errorf("%w (version %d); this build reads up to %d; upgrade calsync",
			ErrNewerVersion, version, d.current))
	}
	for v := version; v < d.current; v++ {
		i := slices.IndexFunc(d.migrations, func(m migration) bool { return m.from == v })
		if i < 0 {
			return nil, at(-1, "", fmt.Errorf("no migration from version %d to %d (a bug in calsync)", v, v+1))
		}
		if err := d.migrations[i].migrate(doc); err != nil {
			return nil, at(-1, "", fmt.Errorf("migrate from version %d to %d: %w", v, v+1, err))
		}
	}
	doc["version"] = json.Number(strconv.Itoa(d.current))

	// Every shape problem at once, in the order they appear in the file.
	problems := p.dups
	for _, e := range problems {
		e.Path = path // the parser knows the text, not the file
	}
	checkShape(doc, reflect.TypeFor[Config](), "", func(field, msg string) {
		off, ok := p.pos[field]
		if !ok {
			off = -1
		}
		problems = append(problems, at(off, field, errors.New(msg)))
	})
	if len(problems) > 0 {
		slices.SortStableFunc(problems, func(a, b *DecodeError) int {
			return cmpPos(a, b)
		})
		errs := make([]error, len(problems))
		for i, e := range problems {
			errs[i] = e
		}
		return nil, errors.Join(errs...)
	}

	// The document now has exactly the Config shape; encoding/json fills the
	// struct. DisallowUnknownFields is a second guard, not the first.
	norm, err := json.Marshal(doc)
	if err != nil {
		return nil, at(-1, "", err)
	}
	dec := json.NewDecoder(bytes.NewReader(norm))
	dec.DisallowUnknownFields()
	var c Config
	if err := dec.Decode(&c); err != nil {
		return nil, at(-1, "", err)
	}
	c.Version = d.current
	return &c, nil
}

// cmpPos orders errors by line and column; those without a place go last.
func cmpPos(a, b *DecodeError) int {
	switch {
	case a.Line == 0 && b.Line == 0:
		return strings.Compare(a.Field, b.Field)
	case a.Line == 0:
		return 1
	case b.Line == 0:
		return -1
	case a.Line != b.Line:
		return a.Line - b.Line
	default:
		return a.Column - b.Column
	}
}

// readVersion reads "version": missing, null and 0 all mean 1, the first
// schema, so a file hand-written without it, or a Config built in Go with
// the zero value, reads as what it is.
func readVersion(v any) (int, error) {
	if v == nil {
		return 1, nil
	}
	n, ok := v.(json.Number)
	if !ok {
		return 0, fmt.Errorf("expected a whole number like %d, got %s", CurrentVersion, describe(v))
	}
	i, err := strconv.Atoi(string(n))
	if err != nil || i < 0 {
		return 0, fmt.Errorf("%s is not a schema version; expected a whole number like %d", n, CurrentVersion)
	}
	return max(i, 1), nil
}

// parser turns checked JSON into a generic document, remembering where each
// field starts (by JSON path) and which fields appear twice: encoding/json
// would silently keep the last of two "rules" lists.
type parser struct {
	data []byte
	dec  *json.Decoder
	pos  map[string]int64
	dups []*DecodeError
}

func (p *parser) value(path string) (any, error) {
	if _, ok := p.pos[path]; !ok {
		p.pos[path] = p.next()
	}
	tok, err := p.dec.Token()
	if err != nil {
		return nil, err
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return tok, nil // string, json.Number, bool or nil
	}
	switch delim {
	case '{':
		obj := map[string]any{}
		for p.dec.More() {
			off := p.next()
			kt, err := p.dec.Token()
			if err != nil {
				return nil, err
			}
			key, _ := kt.(string)
			field := joinField(path, key)
			if _, dup := obj[key]; dup {
				line, col := lineColumn(p.data, p.pos[field])
				e := &DecodeError{Field: field, Err: fmt.Errorf("appears twice (first at line %d, column %d); keep one", line, col)}
				e.Line, e.Column = lineColumn(p.data, off)
				p.dups = append(p.dups, e)
			} else {
				p.pos[field] = off
			}
			v, err := p.value(field)
			if err != nil {
				return nil, err
			}
			obj[key] = v
		}
		if _, err := p.dec.Token(); err != nil { // '}'
			return nil, err
		}
		return obj, nil
	case '[':
		arr := []any{}
		for i := 0; p.dec.More(); i++ {
			v, err := p.value(fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		if _, err := p.dec.Token(); err != nil { // ']'
			return nil, err
		}
		return arr, nil
	}
	return nil, fmt.Errorf("unexpected %v", delim)
}

// next is the offset of the next token: the decoder's offset is just after
// the last one, before any white space, comma or colon.
func (p *parser) next() int64 {
	off := p.dec.InputOffset()
	for off < int64(len(p.data)) && strings.IndexByte(" \t\r\n,:", p.data[off]) >= 0 {
		off++
	}
	return off
}

func joinField(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// lineColumn converts a byte offset into a 1-based line and a 1-based column
// counted in characters, as editors show them.
func lineColumn(data []byte, off int64) (line, col int) {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line = 1 + bytes.Count(before, []byte("\n"))
	start := bytes.LastIndexByte(before, '\n') + 1
	return line, 1 + utf8.RuneCount(before[start:])
}

// checkShape compares a generic JSON document with the Go type it must fill
// and reports every unknown field and every value of the wrong JSON type.
// Field names must match exactly: encoding/json alone would accept
// "TenantID" for "tenantId". null is accepted anywhere and leaves the zero
// value, as encoding/json does.
func checkShape(v any, t reflect.Type, path string, report func(field, msg string)) {
	if v == nil {
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		checkShape(v, t.Elem(), path, report)
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			if path == "" {
				report(path, "expected a JSON object at the top level, got "+describe(v))
			} else {
				report(path, "expected an object, got "+describe(v))
			}
			return
		}
		names, types := jsonFields(t)
		for key, val := range obj {
			field := joinField(path, key)
			ft, ok := types[key]
			if !ok {
				report(field, unknownField(key, names))
				continue
			}
			checkShape(val, ft, field, report)
		}
	case reflect.Slice:
		arr, ok := v.([]any)
		if !ok {
			report(path, "expected a list [...], got "+describe(v))
			return
		}
		for i, e := range arr {
			checkShape(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i), report)
		}
	case reflect.String:
		if _, ok := v.(string); !ok {
			report(path, "expected a string, got "+describe(v))
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			report(path, "expected true or false, got "+describe(v))
		}
	case reflect.Int:
		n, ok := v.(json.Number)
		if !ok {
			report(path, "expected a whole number, got "+describe(v))
			return
		}
		if _, err := strconv.Atoi(string(n)); err != nil {
			report(path, "expected a whole number, got "+string(n))
		}
	}
}

// jsonFields lists a struct's JSON field names in declaration order and maps
// each to its Go type.
func jsonFields(t reflect.Type) ([]string, map[string]reflect.Type) {
	var names []string
	types := map[string]reflect.Type{}
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		names = append(names, name)
		types[name] = f.Type
	}
	return names, types
}

func unknownField(key string, known []string) string {
	for _, k := range known {
		if strings.EqualFold(k, key) {
			return fmt.Sprintf("unknown field; did you mean %q? (names are case-sensitive)", k)
		}
	}
	return "unknown field; expected one of " + strings.Join(known, ", ")
}

// describe names a JSON value's kind for an error message. It never quotes
// a string: a value in the wrong place might be a pasted secret.
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number:
		return "the number " + string(v)
	case bool:
		return "the boolean " + strconv.FormatBool(v)
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	default:
		return fmt.Sprintf("%T", v)
	}
}
