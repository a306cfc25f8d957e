package config

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf16"
)

func TestParseUsersCSV(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		users []User
		errs  []RowError
	}{
		{
			name: "good rows",
			in:   "onecloudUser,mailbox,enabled\n1001,mario.rossi@contoso.it,true\n1002,anna@contoso.it,no\n1003,,0\n",
			users: []User{
				{OneCloudUser: "1001", Mailbox: "mario.rossi@contoso.it", Enabled: true},
				{OneCloudUser: "1002", Mailbox: "anna@contoso.it"},
				{OneCloudUser: "1003"},
			},
		},
		{
			name:  "BOM, CRLF, header case, spaces and blank rows",
			in:    "\ufeffOneCloudUser, Mailbox ,ENABLED\r\n\r\n 1001 , a@contoso.it ,YES\r\n,,\r\n1002,b@contoso.it,False\r\n",
			users: []User{{OneCloudUser: "1001", Mailbox: "a@contoso.it", Enabled: true}, {OneCloudUser: "1002", Mailbox: "b@contoso.it"}},
		},
		{
			name:  "semicolons as Excel writes them in Italy",
			in:    "onecloudUser;mailbox;enabled\n1001;a@contoso.it;1\n",
			users: []User{{OneCloudUser: "1001", Mailbox: "a@contoso.it", Enabled: true}},
		},
		{
			name:  "quoted fields",
			in:    "onecloudUser,mailbox,enabled\n\"10,01\",\"a@contoso.it\",\"true\"\n",
			users: []User{{OneCloudUser: "10,01", Mailbox: "a@contoso.it", Enabled: true}},
		},
		{
			name: "bad rows reported, good rows kept",
			in: "onecloudUser,mailbox,enabled\n" +
				"1001,a@contoso.it,true\n" + // 2 good
				"1002,b@contoso.it\n" + // 3 column count
				",c@contoso.it,true\n" + // 4 empty user
				"1004,not a mailbox,true\n" + // 5 bad mailbox
				"1005,Mario <m@contoso.it>,true\n" + // 6 display name
				"1006,d@contoso.it,maybe\n" + // 7 bad enabled
				"1001,e@contoso.it,true\n" + // 8 duplicate user
				"1008,A@Contoso.it,false\n" + // 9 duplicate mailbox
				"1009,,true\n" + // 10 enabled without mailbox
				"1010,f@contoso.it,true,extra\n" + // 11 column count
				"1011,g@contoso.it,false\n", // 12 good
			users: []User{
				{OneCloudUser: "1001", Mailbox: "a@contoso.it", Enabled: true},
				{OneCloudUser: "1011", Mailbox: "g@contoso.it"},
			},
			errs: []RowError{
				{Line: 3, Message: "has 2 columns; expected 3: onecloudUser,mailbox,enabled"},
				{Line: 4, Field: "onecloudUser", Message: "required; expected the OneCloud user id, e.g. 1001"},
				{Line: 5, Field: "mailbox", Message: `"not a mailbox" is not a plain mailbox address; expected the user's mailbox address, e.g. mario.rossi@contoso.it`},
				{Line: 6, Field: "mailbox", Message: `"Mario <m@contoso.it>" is not a plain mailbox address; expected the user's mailbox address, e.g. mario.rossi@contoso.it`},
				{Line: 7, Field: "enabled", Message: `"maybe" is not a yes/no value; expected true, false, yes, no, 1 or 0 (or sì, si, vero, falso)`},
				{Line: 8, Field: "onecloudUser", Message: `"1001" is also on line 2; each OneCloud user may appear only once`},
				{Line: 9, Field: "mailbox", Message: `"A@Contoso.it" is also on line 2 (mailboxes compare case-insensitively); each mailbox may appear only once`},
				{Line: 10, Field: "mailbox", Message: "required for an enabled user; expected the user's mailbox address, e.g. mario.rossi@contoso.it"},
				{Line: 11, Message: "has 4 columns; expected 3: onecloudUser,mailbox,enabled"},
			},
		},
		{
			name:  "several errors on one row",
			in:    "onecloudUser,mailbox,enabled\n,x,perhaps\n",
			users: nil,
			errs: []RowError{
				{Line: 2, Field: "onecloudUser", Message: "required; expected the OneCloud user id, e.g. 1001"},
				{Line: 2, Field: "enabled", Message: `"perhaps" is not a yes/no value; expected true, false, yes, no, 1 or 0 (or sì, si, vero, falso)`},
				{Line: 2, Field: "mailbox", Message: `"x" is not a plain mailbox address; expected the user's mailbox address, e.g. mario.rossi@contoso.it`},
			},
		},
		{
			name:  "control character in the user id",
			in:    "onecloudUser,mailbox,enabled\n\"10\x0101\",a@contoso.it,true\n",
			errs:  []RowError{{Line: 2, Field: "onecloudUser", Message: `"10\x0101" contains a control character; expected the OneCloud user id, e.g. 1001`}},
			users: nil,
		},
		{
			name:  "bare quote reported, later rows still read",
			in:    "onecloudUser,mailbox,enabled\n10\"01,a@contoso.it,true\n1002,b@contoso.it,true\n",
			users: []User{{OneCloudUser: "1002", Mailbox: "b@contoso.it", Enabled: true}},
			errs:  []RowError{{Line: 2, Message: `bare " in non-quoted-field`}},
		},
		{
			name: "missing header",
			in:   "1001,a@contoso.it,true\n",
			errs: []RowError{{Line: 1, Field: "header", Message: `got "1001,a@contoso.it,true"; expected the header onecloudUser,mailbox,enabled (columns in this order)`}},
		},
		{
			name: "columns out of order",
			in:   "mailbox,onecloudUser,enabled\na@contoso.it,1001,true\n",
			errs: []RowError{{Line: 1, Field: "header", Message: `got "mailbox,onecloudUser,enabled"; expected the header onecloudUser,mailbox,enabled (columns in this order)`}},
		},
		{
			name: "empty file",
			in:   "",
			errs: []RowError{{Line: 1, Field: "header", Message: "the file is empty; expected the header onecloudUser,mailbox,enabled"}},
		},
		{
			name: "header only",
			in:   "onecloudUser,mailbox,enabled\r\n",
		},
		{
			name:  "UTF-16 little-endian with a byte order mark (Excel's Unicode Text, tab-separated)",
			in:    utf16LE("\ufeffonecloudUser\tmailbox\tenabled\r\n1001\tmarìa@contoso.it\tVERO\r\n"),
			users: []User{{OneCloudUser: "1001", Mailbox: "marìa@contoso.it", Enabled: true}},
		},
		{
			name:  "UTF-16 big-endian with a byte order mark",
			in:    utf16BE("\ufeffonecloudUser,mailbox,enabled\n1001,a@contoso.it,no\n"),
			users: []User{{OneCloudUser: "1001", Mailbox: "a@contoso.it"}},
		},
		{
			name: "UTF-16 without a byte order mark",
			in:   utf16LE("onecloudUser,mailbox,enabled\n1001,a@contoso.it,true\n"),
			errs: []RowError{{Line: 1, Field: "header", Message: "the file looks like UTF-16 text without a byte order mark; save it as CSV UTF-8 (in Excel: Save As, CSV UTF-8)"}},
		},
		{
			name: "not UTF-8 (Latin-1)",
			in:   "onecloudUser,mailbox,enabled\xe0\n1001,a@contoso.it,true\n",
			errs: []RowError{{Line: 1, Field: "header", Message: "is not UTF-8 text; save the file as CSV UTF-8 (in Excel: Save As, CSV UTF-8) with the header onecloudUser,mailbox,enabled"}},
		},
		{
			name:  "a Latin-1 data row",
			in:    "onecloudUser,mailbox,enabled\n1001,a@contoso.it,s\xec\n1002,jos\xe9@contoso.it,true\n1003,c@contoso.it,true\n",
			users: []User{{OneCloudUser: "1003", Mailbox: "c@contoso.it", Enabled: true}},
			errs: []RowError{
				{Line: 2, Message: "is not UTF-8 text (the file was probably saved as plain CSV, in a Windows code page); save it as CSV UTF-8 (in Excel: Save As, CSV UTF-8)"},
				{Line: 3, Message: "is not UTF-8 text (the file was probably saved as plain CSV, in a Windows code page); save it as CSV UTF-8 (in Excel: Save As, CSV UTF-8)"},
			},
		},
		{
			name:  "Excel's sep=; line",
			in:    "\ufeffsep=;\r\nonecloudUser;mailbox;enabled\r\n1001;a@contoso.it;sì\r\n1002;b@contoso.it;forse\r\n",
			users: []User{{OneCloudUser: "1001", Mailbox: "a@contoso.it", Enabled: true}},
			errs:  []RowError{{Line: 4, Field: "enabled", Message: `"forse" is not a yes/no value; expected true, false, yes, no, 1 or 0 (or sì, si, vero, falso)`}},
		},
		{
			name:  "sep=, names the separator the header also uses",
			in:    "SEP=,\nonecloudUser,mailbox,enabled\n1001,a@contoso.it,1\n",
			users: []User{{OneCloudUser: "1001", Mailbox: "a@contoso.it", Enabled: true}},
		},
		{
			name: "Italian yes and no",
			in:   "onecloudUser;mailbox;enabled\n1001;a@contoso.it;si\n1002;b@contoso.it;Sì\n1003;c@contoso.it;SÌ\n1004;d@contoso.it;Falso\n1005;e@contoso.it;no\n",
			users: []User{
				{OneCloudUser: "1001", Mailbox: "a@contoso.it", Enabled: true},
				{OneCloudUser: "1002", Mailbox: "b@contoso.it", Enabled: true},
				{OneCloudUser: "1003", Mailbox: "c@contoso.it", Enabled: true},
				{OneCloudUser: "1004", Mailbox: "d@contoso.it"},
				{OneCloudUser: "1005", Mailbox: "e@contoso.it"},
			},
		},
		{
			name:  "mailbox of 254 characters",
			in:    "onecloudUser,mailbox,enabled\n1001," + strings.Repeat("m", 64) + "@" + longDomain(254-65) + ",true\n",
			users: []User{{OneCloudUser: "1001", Mailbox: strings.Repeat("m", 64) + "@" + longDomain(254-65), Enabled: true}},
		},
		{
			name: "mailbox of 255 characters",
			in:   "onecloudUser,mailbox,enabled\n1001," + strings.Repeat("m", 64) + "@" + longDomain(255-65) + ",true\n",
			errs: []RowError{{Line: 2, Field: "mailbox", Message: "is 255 characters long; a mailbox address has at most 254"}},
		},
		{
			name:  "a 5 MB mailbox, not repeated",
			in:    "onecloudUser,mailbox,enabled\n1001," + strings.Repeat("m", 5<<20) + "@contoso.it,true\n1002,b@contoso.it,true\n",
			users: []User{{OneCloudUser: "1002", Mailbox: "b@contoso.it", Enabled: true}},
			errs:  []RowError{{Line: 2, Field: "mailbox", Message: "is 5242891 characters long; a mailbox address has at most 254"}},
		},
		{
			name:  "unclosed quote runs to the end of the file",
			in:    "onecloudUser,mailbox,enabled\n1001,a@contoso.it,true\n1002,\"b@contoso.it,true\n1003,c@contoso.it,true\n1004,d@contoso.it,true\n",
			users: []User{{OneCloudUser: "1001", Mailbox: "a@contoso.it", Enabled: true}},
			errs: []RowError{{Line: 3, Message: `a quote (") opened on this line is never closed, so lines 3 to 5 were read as one field and none of them is imported; ` +
				"close the quote on the line it opens, or remove it"}},
		},
		{
			name:  "quote closed on a later line",
			in:    "onecloudUser,mailbox,enabled\n1001,\"a@contoso.it,true\n1002,b@contoso.it\",true\n1003,c@contoso.it,true\n",
			users: []User{{OneCloudUser: "1003", Mailbox: "c@contoso.it", Enabled: true}},
			errs: []RowError{{Line: 2, Message: `a quote (") opened on this line closes only on line 3, so lines 2 to 3 were read as one row and none of them is imported; ` +
				"close the quote on the line it opens, or remove it"}},
		},
		{
			name: "unclosed quote after a sep= line counts the file's lines",
			in:   "sep=;\nonecloudUser;mailbox;enabled\n1001;\"a@contoso.it;true\n1002;b@contoso.it;true\n",
			errs: []RowError{{Line: 3, Message: `a quote (") opened on this line is never closed, so lines 3 to 4 were read as one field and none of them is imported; ` +
				"close the quote on the line it opens, or remove it"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			users, errs := ParseUsersCSV(strings.NewReader(tt.in))
			if !reflect.DeepEqual(users, tt.users) {
				t.Errorf("users = %#v\nwant %#v", users, tt.users)
			}
			if !reflect.DeepEqual(errs, tt.errs) {
				t.Errorf("errors:\n%s\nwant:\n%s", rowErrorLines(errs), rowErrorLines(tt.errs))
			}
		})
	}
}

// utf16LE and utf16BE encode s as UTF-16, as Windows programs save text.
func utf16LE(s string) string {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return string(b)
}

func utf16BE(s string) string {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u>>8), byte(u))
	}
	return string(b)
}

// longDomain is a valid domain name of n characters: labels of at most 63
// characters under .it.
func longDomain(n int) string {
	var labels []string
	for rest := n - len(".it"); rest > 0; {
		l := min(63, rest)
		if rest-l == 1 { // what is left must hold a dot and a label
			l--
		}
		labels = append(labels, strings.Repeat("d", l))
		rest -= l + 1 // the label and the dot before the next
	}
	return strings.Join(labels, ".") + ".it"
}

func rowErrorLines(errs []RowError) string {
	var b strings.Builder
	for _, e := range errs {
		b.WriteString(e.Error() + "\n")
	}
	return b.String()
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestLongDomain(t *testing.T) {
	for _, n := range []int{5, 66, 67, 68, 189, 190, 253} {
		if d := longDomain(n); len(d) != n || !isDomain(d) {
			t.Errorf("longDomain(%d) = %d characters, valid %v", n, len(d), isDomain(d))
		}
	}
}

func TestParseUsersCSVReadError(t *testing.T) {
	users, errs := ParseUsersCSV(failingReader{})
	if users != nil || len(errs) != 1 || !strings.Contains(errs[0].Message, "disk on fire") {
		t.Fatalf("got %v, %v; want one error naming the read failure", users, errs)
	}
}

func TestRowErrorString(t *testing.T) {
	if got := (RowError{Line: 4, Field: "mailbox", Message: "bad"}).Error(); got != "line 4: mailbox: bad" {
		t.Errorf("got %q", got)
	}
	if got := (RowError{Line: 3, Message: "bad"}).Error(); got != "line 3: bad" {
		t.Errorf("got %q", got)
	}
}

func TestWriteUsersCSV(t *testing.T) {
	users := []User{
		{OneCloudUser: "1001", Mailbox: "a@contoso.it", Enabled: true},
		{OneCloudUser: "10,02", Mailbox: "", Enabled: false},
		{OneCloudUser: `say "hi"`, Mailbox: "c@contoso.it", Enabled: false},
	}
	var buf bytes.Buffer
	if err := WriteUsersCSV(&buf, users); err != nil {
		t.Fatal(err)
	}
	want := "onecloudUser,mailbox,enabled\n1001,a@contoso.it,true\n\"10,02\",,false\n\"say \"\"hi\"\"\",c@contoso.it,false\n"
	if buf.String() != want {
		t.Errorf("wrote\n%s\nwant\n%s", buf.String(), want)
	}
	back, errs := ParseUsersCSV(&buf)
	if len(errs) != 0 || !reflect.DeepEqual(back, users) {
		t.Errorf("read back %v, %v; want %v", back, errs, users)
	}
}

func TestWriteUsersCSVEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteUsersCSV(&buf, nil); err != nil {
		t.Fatal(err)
	}
	if buf.String() != UsersCSVHeader+"\n" {
		t.Errorf("wrote %q", buf.String())
	}
}

// FuzzParseUsersCSV checks that no input panics, that every error names a
// line, and that the good rows survive a write and a read unchanged.
func FuzzParseUsersCSV(f *testing.F) {
	for _, s := range []string{
		"onecloudUser,mailbox,enabled\n1001,a@contoso.it,true\n1002,,no\n",
		"\ufeffonecloudUser;mailbox;enabled\r\n1001;a@contoso.it;1\r\n",
		"onecloudUser,mailbox,enabled\n\"1,0\"\"01\",b@contoso.it,YES\n1001,a@contoso.it\n",
		"onecloudUser,mailbox,enabled\n10\"01,a@contoso.it,true\n\"unterminated\n",
		"",
		"onecloudUser,mailbox,enabled\n1001,a@contoso.it,true\n1001,a@contoso.it,true\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		users, errs := ParseUsersCSV(strings.NewReader(in))
		for _, e := range errs {
			if e.Line < 1 || e.Message == "" {
				t.Fatalf("error without a line or message: %#v", e)
			}
		}
		var buf bytes.Buffer
		if err := WriteUsersCSV(&buf, users); err != nil {
			t.Fatalf("write good rows: %v", err)
		}
		back, errs := ParseUsersCSV(&buf)
		if len(errs) != 0 {
			t.Fatalf("good rows %#v read back with errors %v; CSV:\n%s", users, errs, buf.String())
		}
		if len(back) != len(users) || (len(users) > 0 && !reflect.DeepEqual(back, users)) {
			t.Fatalf("round trip changed the rows:\n got %#v\nwant %#v", back, users)
		}
	})
}
