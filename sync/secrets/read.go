package secrets

import (
	"errors"
	"fmt"
	"io"

	"golang.org/x/term"
)

// ReadValue reads a secret value for `calsync secret set`. On a terminal
// (isTerminal true; r must then be a file such as os.Stdin) it writes a prompt
// to prompt (stderr, so stdout stays clean) and reads one line without echo.
// Otherwise it reads all of r, at most MaxInputBytes. The result is raw: Set
// trims and checks it.
func ReadValue(r io.Reader, isTerminal bool, prompt io.Writer) (string, error) {
	if isTerminal {
		return readTerminal(r, prompt)
	}
	return readAll(r, MaxInputBytes)
}

// readTerminal is the thin, untested-by-unit-tests part: x/term needs a
// real terminal file descriptor.
func readTerminal(r io.Reader, prompt io.Writer) (string, error) {
	f, ok := r.(interface{ Fd() uintptr })
	if !ok {
		return "", errors.New("read secret from terminal: input is not a file")
	}
	if prompt == nil {
		prompt = io.Discard
	}
	fmt.Fprint(prompt, "Enter the secret (input is hidden), then press Enter: ")
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(prompt)
	if err != nil {
		return "", fmt.Errorf("read secret from terminal: %w", err)
	}
	return string(b), nil
}

// readAll reads r to the end, refusing more than limit bytes.
func readAll(r io.Reader, limit int) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return "", fmt.Errorf("read secret from stdin: %w", err)
	}
	if len(b) > limit {
		return "", fmt.Errorf("read secret from stdin: %w: input is larger than %d bytes", ErrTooBig, limit)
	}
	return string(b), nil
}
