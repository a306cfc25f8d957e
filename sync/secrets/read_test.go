package secrets

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadValueFromPipe(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr error
	}{
		{"echo adds newline", "s3cret\n", "s3cret\n", nil}, // raw: Set trims
		{"no newline", "s3cret", "s3cret", nil},
		{"empty", "", "", nil},
		{"exactly the limit", strings.Repeat("x", MaxInputBytes), strings.Repeat("x", MaxInputBytes), nil},
		{"over the limit", strings.Repeat("x", MaxInputBytes+1), "", ErrTooBig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var prompt bytes.Buffer
			got, err := ReadValue(strings.NewReader(tt.in), false, &prompt)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Fatalf("got %d bytes, want %d", len(got), len(tt.want))
			}
			if prompt.Len() != 0 {
				t.Errorf("prompted on a pipe: %q", prompt.String())
			}
			if err != nil && !strings.Contains(err.Error(), "larger than 65536 bytes") {
				t.Errorf("error %q does not give the limit", err)
			}
		})
	}
}

func TestReadValueReaderError(t *testing.T) {
	cause := errors.New("broken pipe")
	_, err := ReadValue(iotest.ErrReader(cause), false, io.Discard)
	if !errors.Is(err, cause) || !strings.HasPrefix(err.Error(), "read secret from stdin: ") {
		t.Fatalf("err = %v", err)
	}
}

func TestReadValueTerminalNeedsFile(t *testing.T) {
	_, err := ReadValue(strings.NewReader("x"), true, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "not a file") {
		t.Fatalf("err = %v; want a clear error", err)
	}
}
