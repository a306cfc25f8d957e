package config

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	xunicode "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// UsersCSVHeader is the header line of a users CSV file, columns in order.
const UsersCSVHeader = "onecloudUser,mailbox,enabled"

var usersCSVColumns = []string{"onecloudUser", "mailbox", "enabled"}

// RowError is one problem on one line of a users CSV file. Line counts from
// 1 (the header); Field is the column name, "header", or empty when the
// problem is the whole row.
type RowError struct {
	Line    int
	Field   string
	Message string
}

func (e RowError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Message)
	}
	return fmt.Sprintf("line %d: %s: %s", e.Line, e.Field, e.Message)
}

// ParseUsersCSV reads users from CSV with the header
// "onecloudUser,mailbox,enabled". It accepts what spreadsheets write: a
// UTF-8 byte order mark, UTF-16 with a byte order mark (Excel's "Unicode
// Text"), CRLF line ends, ";" or a tab as the separator when the header
// uses it (Excel in Italian and other locales), and Excel's "sep=;" first
// line naming the separator. Fields are trimmed of surrounding spaces; rows
// whose fields are all empty are skipped. Line numbers are the file's,
// counting a "sep=" line.
//
// It reports every bad row instead of stopping at the first, and returns the
// good rows even when others fail, so an admin can fix only the lines named.
// A onecloudUser or mailbox (case-insensitively) that repeats an earlier good
// row is an error naming that row's line.
func ParseUsersCSV(r io.Reader) ([]User, []RowError) {
	br := bufio.NewReader(r)
	if bom, err := br.Peek(2); err == nil && (bom[0] == 0xff && bom[1] == 0xfe || bom[0] == 0xfe && bom[1] == 0xff) {
		br = bufio.NewReader(transform.NewReader(br, xunicode.UTF16(xunicode.LittleEndian, xunicode.ExpectBOM).NewDecoder()))
	}
	// Excel writes a byte order mark before UTF-8 CSV.
	if bom, err := br.Peek(3); err == nil && bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
	}
	first, _ := br.Peek(br.Size())
	firstLine, _, _ := bytes.Cut(first, []byte("\n"))
	if bytes.IndexByte(firstLine, 0) >= 0 {
		return nil, []RowError{{Line: 1, Field: "header", Message: "the file looks like UTF-16 text without a byte order mark; " +
			"save it as CSV UTF-8 (in Excel: Save As, CSV UTF-8)"}}
	}
	offset := 0 // lines before what the CSV reader sees
	comma, ok := sepLine(firstLine)
	switch {
	case ok:
		_, _ = br.Discard(len(firstLine) + 1)
		offset = 1
	case bytes.IndexByte(firstLine, ',') >= 0:
		comma = ','
	case bytes.IndexByte(firstLine, ';') >= 0:
		comma = ';'
	case bytes.IndexByte(firstLine, '\t') >= 0:
		comma = '\t'
	default:
		comma = ','
	}
	cr := csv.NewReader(br)
	cr.Comma = comma
	cr.FieldsPerRecord = -1 // counted here, to report the line instead of stopping

	var (
		users     []User
		errs      []RowError
		header    = true
		byUser    = map[string]int{} // onecloudUser -> line of the good row
		byMailbox = map[string]int{} // lower-case mailbox -> line
		lastErr   = -1
	)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return users, append(errs, RowError{Message: "read the file: " + err.Error()})
			}
			// A bad quote ends the line it is on; a line that fails twice
			// means the reader is stuck, so stop rather than loop.
			if pe.StartLine == lastErr {
				break
			}
			lastErr = pe.StartLine
			if header {
				errs = append(errs, RowError{Line: offset + pe.StartLine, Field: "header", Message: csvMessage(pe, offset) + "; expected " + UsersCSVHeader})
				return nil, errs
			}
			errs = append(errs, RowError{Line: offset + pe.StartLine, Message: csvMessage(pe, offset)})
			continue
		}
		line, _ := cr.FieldPos(0)
		line += offset
		if end := recordEndLine(cr, rec) + offset; end > line {
			// Only a quote left open makes a field run over lines: no
			// user id or mailbox holds a line break.
			errs = append(errs, RowError{Line: line, Message: fmt.Sprintf("a quote (\") opened on this line closes only on line %d, "+
				"so lines %d to %d were read as one row and none of them is imported; close the quote on the line it opens, or remove it", end, line, end)})
			if header {
				return nil, errs
			}
			continue
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		if header {
			header = false
			if !usersCSVHeaderOK(rec) {
				got := strings.Join(rec, string(comma))
				if !utf8.ValidString(got) {
					return nil, []RowError{{Line: line, Field: "header", Message: "is not UTF-8 text; save the file as CSV UTF-8 (in Excel: Save As, CSV UTF-8) with the header " + UsersCSVHeader}}
				}
				return nil, []RowError{{Line: line, Field: "header", Message: fmt.Sprintf("got %q; expected the header %s (columns in this order)", clip(got, 80), UsersCSVHeader)}}
			}
			continue
		}
		if allEmpty(rec) {
			continue
		}
		if len(rec) != len(usersCSVColumns) {
			errs = append(errs, RowError{Line: line, Message: fmt.Sprintf("has %d columns; expected %d: %s", len(rec), len(usersCSVColumns), UsersCSVHeader)})
			continue
		}
		u, rowErrs := parseUsersCSVRow(line, rec, byUser, byMailbox)
		if len(rowErrs) > 0 {
			errs = append(errs, rowErrs...)
			continue
		}
		byUser[u.OneCloudUser] = line
		if u.Mailbox != "" {
			byMailbox[strings.ToLower(u.Mailbox)] = line
		}
		users = append(users, u)
	}
	if header {
		return nil, []RowError{{Line: 1 + offset, Field: "header", Message: "the file is empty; expected the header " + UsersCSVHeader}}
	}
	return users, errs
}

// sepLine reads Excel's "sep=;" first line, which names the separator.
func sepLine(line []byte) (rune, bool) {
	l := bytes.TrimRight(line, "\r")
	if len(l) != len("sep=")+1 || !bytes.EqualFold(l[:4], []byte("sep=")) || l[4] == '"' {
		return 0, false
	}
	return rune(l[4]), true
}

// recordEndLine is the line on which the record just read ends: where its
// last field starts plus the line breaks inside that field.
func recordEndLine(cr *csv.Reader, rec []string) int {
	if len(rec) == 0 {
		return 0
	}
	line, _ := cr.FieldPos(len(rec) - 1)
	return line + strings.Count(rec[len(rec)-1], "\n")
}

func parseUsersCSVRow(line int, rec []string, byUser, byMailbox map[string]int) (User, []RowError) {
	var errs []RowError
	add := func(field, format string, args ...any) {
		errs = append(errs, RowError{Line: line, Field: field, Message: fmt.Sprintf(format, args...)})
	}
	u := User{OneCloudUser: rec[0], Mailbox: rec[1]}
	for _, f := range rec {
		if !utf8.ValidString(f) {
			// Latin-1 or another ANSI code page (Excel's plain "CSV"): every field check would
			// mislead, so say the one thing that fixes them all.
			return u, []RowError{{Line: line, Message: "is not UTF-8 text (the file was probably saved as plain CSV, in a " +
				"Windows code page); save it as CSV UTF-8 (in Excel: Save As, CSV UTF-8)"}}
		}
	}

	switch {
	case u.OneCloudUser == "":
		add("onecloudUser", "required; expected the OneCloud user id, e.g. 1001")
	case strings.IndexFunc(u.OneCloudUser, unicode.IsControl) >= 0:
		add("onecloudUser", "%q contains a control character; expected the OneCloud user id, e.g. 1001", u.OneCloudUser)
	default:
		if first, dup := byUser[u.OneCloudUser]; dup {
			add("onecloudUser", "%q is also on line %d; each OneCloud user may appear only once", u.OneCloudUser, first)
		}
	}

	enabled, ok := parseUsersCSVBool(rec[2])
	if !ok {
		add("enabled", "%q is not a yes/no value; expected true, false, yes, no, 1 or 0 (or sì, si, vero, falso)", clip(rec[2], 40))
	}
	u.Enabled = enabled

	const mailboxExpected = "the user's mailbox address, e.g. mario.rossi@contoso.it"
	switch {
	case u.Mailbox == "":
		if ok && enabled {
			add("mailbox", "required for an enabled user; expected %s", mailboxExpected)
		}
	case len(u.Mailbox) > MaxMailboxLen:
		add("mailbox", "is %d characters long; a mailbox address has at most %d", len(u.Mailbox), MaxMailboxLen)
	case !isMailbox(u.Mailbox):
		add("mailbox", "%q is not a plain mailbox address; expected %s", u.Mailbox, mailboxExpected)
	default:
		if first, dup := byMailbox[strings.ToLower(u.Mailbox)]; dup {
			add("mailbox", "%q is also on line %d (mailboxes compare case-insensitively); each mailbox may appear only once", u.Mailbox, first)
		}
	}
	return u, errs
}

func parseUsersCSVBool(s string) (value, ok bool) {
	// Italian too: Excel in Italian writes VERO and FALSO.
	switch strings.ToLower(s) {
	case "true", "yes", "1", "sì", "si", "vero":
		return true, true
	case "false", "no", "0", "falso":
		return false, true
	}
	return false, false
}

func usersCSVHeaderOK(rec []string) bool {
	if len(rec) != len(usersCSVColumns) {
		return false
	}
	for i, name := range usersCSVColumns {
		if !strings.EqualFold(rec[i], name) {
			return false
		}
	}
	return true
}

func allEmpty(rec []string) bool {
	for _, f := range rec {
		if f != "" {
			return false
		}
	}
	return true
}

// csvMessage is a parse error without the "record on line N" prefix, which
// RowError.Line already says; offset is added to the reader's line numbers.
func csvMessage(pe *csv.ParseError, offset int) string {
	if errors.Is(pe.Err, csv.ErrQuote) && pe.Line != pe.StartLine {
		start, end := offset+pe.StartLine, offset+pe.Line
		return fmt.Sprintf("a quote (\") opened on this line is never closed, so lines %d to %d were read as one field "+
			"and none of them is imported; close the quote on the line it opens, or remove it", start, end)
	}
	msg := pe.Err.Error()
	if pe.Line != pe.StartLine {
		msg += " (at line " + strconv.Itoa(offset+pe.Line) + ")"
	}
	return msg
}

// clip shortens s for an error message: a pasted blob is not repeated whole.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// WriteUsersCSV writes users as CSV with the header UsersCSVHeader, in the
// order given, that ParseUsersCSV reads back.
func WriteUsersCSV(w io.Writer, users []User) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(usersCSVColumns); err != nil {
		return fmt.Errorf("write the users CSV: %w", err)
	}
	for _, u := range users {
		if err := cw.Write([]string{u.OneCloudUser, u.Mailbox, strconv.FormatBool(u.Enabled)}); err != nil {
			return fmt.Errorf("write the users CSV: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write the users CSV: %w", err)
	}
	return nil
}
