package onecloud

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzAPIErrorBody: any answer body becomes an error without panicking,
// with a bounded validation result free of control characters.
func FuzzAPIErrorBody(f *testing.F) {
	for _, s := range []string{
		`{"error":{"code":"bad_request","message":"page: bad","fields":[{"field":"page","message":"bad"}]}}`,
		`{"error":{"code":"x","fields":[{"field":"","message":"a\nb"},{}]}}`,
		`{"error":{"fields":null}}`, `{"error":null}`, `<html>502</html>`, ``,
	} {
		f.Add(400, s)
	}
	f.Fuzz(func(t *testing.T, status int, body string) {
		e := newAPIError("op", status, []byte(body))
		msg := e.Error()
		if len(e.Fields) > maxFields {
			t.Fatalf("%d fields kept", len(e.Fields))
		}
		for _, fe := range e.Fields {
			if fe.Field == "" || strings.ContainsAny(fe.Field+fe.Message, "\n\r\x00") {
				t.Fatalf("field %q: %q", fe.Field, fe.Message)
			}
			if utf8.ValidString(body) && !strings.Contains(msg, fe.Field) {
				t.Fatalf("error %q does not name field %q", msg, fe.Field)
			}
		}
		_ = e.Remedy()
	})
}
