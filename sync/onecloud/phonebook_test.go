package onecloud_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/clock"
	"github.com/calsync/calsync/sync/emulator"
	"github.com/calsync/calsync/sync/onecloud"
	"github.com/calsync/calsync/sync/retry"
)

// emuBook is b as the emulator names it: the emulator has types of its own, so that a contract
// mistake in the client cannot be mirrored there.
func emuBook(b onecloud.Phonebook) emulator.OneCloudBook {
	if b.IsOffice() {
		return emulator.OneCloudOfficeBook()
	}
	return emulator.OneCloudPersonalBook(b.UserID())
}

// emuContact is c as the emulator stores it, and clientContact the way back.
func emuContact(c onecloud.PhonebookContact) emulator.OneCloudContact {
	out := emulator.OneCloudContact{ID: c.ID, ETag: c.ETag, Source: c.Source, ExternalID: c.ExternalID, Name: c.Name,
		Company: c.Company, Title: c.Title, Email: c.Email}
	for _, n := range c.Numbers {
		out.Numbers = append(out.Numbers, emulator.OneCloudNumber{Type: n.Type, Number: n.Number})
	}
	return out
}

func clientContact(c emulator.OneCloudContact) onecloud.PhonebookContact {
	out := onecloud.PhonebookContact{ID: c.ID, ETag: c.ETag, Source: c.Source, ExternalID: c.ExternalID, Name: c.Name,
		Company: c.Company, Title: c.Title, Email: c.Email}
	for _, n := range c.Numbers {
		out.Numbers = append(out.Numbers, onecloud.PhoneNumber{Type: n.Type, Number: n.Number})
	}
	return out
}

func studio(ext string) onecloud.PhonebookContact {
	return onecloud.PhonebookContact{Source: onecloud.ContactSourceCalsync, ExternalID: ext, Name: "Studio Bianchi",
		Company: "Studio Bianchi srl", Email: "info@studiobianchi.it",
		Numbers: []onecloud.PhoneNumber{{Type: "work", Number: "+390212345678"}, {Type: "mobile", Number: "+393331234567"}}}
}

func TestPhonebookRoundTrip(t *testing.T) {
	for _, b := range []onecloud.Phonebook{onecloud.PersonalPhonebook("1001"), onecloud.OfficePhonebook()} {
		t.Run(b.String(), func(t *testing.T) {
			e := newEnv(t, emulator.OneCloudOptions{}, onecloud.Options{})
			ctx := context.Background()
			created, err := e.client.CreateContact(ctx, b, studio("AAMk1"))
			if err != nil {
				t.Fatal(err)
			}
			if created.ID == "" || created.ETag == "" || created.Name != "Studio Bianchi" || created.Source != "calsync" ||
				len(created.Numbers) != 2 {
				t.Fatalf("created = %+v", created)
			}
			list, err := e.client.ListPhonebook(ctx, b)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 1 || list[0].ETag != created.ETag || list[0].ExternalID != "AAMk1" {
				t.Fatalf("list = %+v", list)
			}

			upd := created
			upd.Title = "Notaio"
			got, err := e.client.UpdateContact(ctx, b, upd, created.ETag)
			if err != nil {
				t.Fatal(err)
			}
			if got.ETag == created.ETag || got.Title != "Notaio" || got.ID != created.ID {
				t.Fatalf("updated = %+v (old etag %s)", got, created.ETag)
			}
			// The stale ETag no longer writes: 412, nothing changed.
			if _, err := e.client.UpdateContact(ctx, b, created, created.ETag); !errors.Is(err, onecloud.ErrPreconditionFailed) {
				t.Fatalf("stale update: err = %v, want ErrPreconditionFailed", err)
			}
			if err := e.client.DeleteContact(ctx, b, created.ID, created.ETag); !errors.Is(err, onecloud.ErrPreconditionFailed) {
				t.Fatalf("stale delete: err = %v, want ErrPreconditionFailed", err)
			}
			if err := e.client.DeleteContact(ctx, b, got.ID, got.ETag); err != nil {
				t.Fatal(err)
			}
			if err := e.client.DeleteContact(ctx, b, got.ID, got.ETag); !errors.Is(err, onecloud.ErrNotFound) {
				t.Fatalf("second delete: err = %v, want ErrNotFound", err)
			}
			if _, err := e.client.UpdateContact(ctx, b, got, got.ETag); !errors.Is(err, onecloud.ErrNotFound) {
				t.Fatalf("update of deleted: err = %v, want ErrNotFound", err)
			}
			if n := len(e.oc.PhonebookEntries(emuBook(b))); n != 0 {
				t.Errorf("entries left: %d", n)
			}
			s := e.client.Stats()
			if s.PhonebookReads != 1 || s.PhonebookWrites != 7 || s.Reads != 1 || s.Writes != 7 {
				t.Errorf("client stats = %+v", s)
			}
			if c := e.oc.PhonebookCounts(emuBook(b)); c != (emulator.OneCloudPhonebookCounts{Reads: 1, Writes: 7, Creates: 1, Updates: 3, Deletes: 3}) {
				t.Errorf("emulator counts = %+v", c)
			}
			if w := e.oc.PhonebookWrites(); len(w) != 3 || w[0].Method != "POST" || w[1].Method != "PUT" || w[2].Method != "DELETE" || w[0].Book != b.String() {
				t.Errorf("write log = %+v", w)
			}
		})
	}
}

// TestPhonebookPaging lists 120 entries in pages of 50 on both phonebooks,
// which stay apart.
func TestPhonebookPaging(t *testing.T) {
	e := newEnv(t, emulator.OneCloudOptions{}, onecloud.Options{})
	ctx := context.Background()
	personal, office := onecloud.PersonalPhonebook("1002"), onecloud.OfficePhonebook()
	for i := range 120 {
		if _, err := e.oc.AddPhonebookEntry(emuBook(office), emuContact(studio(fmt.Sprintf("ext-%d", i)))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.oc.AddPhonebookEntry(emuBook(personal), emulator.OneCloudContact{Name: "Reception",
		Numbers: []emulator.OneCloudNumber{{Type: "work", Number: "201"}}}); err != nil {
		t.Fatal(err)
	}
	list, err := e.client.ListPhonebook(ctx, office)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 120 || list[0].ExternalID != "ext-0" || list[119].ExternalID != "ext-119" {
		t.Fatalf("office: %d entries", len(list))
	}
	if got := e.oc.PhonebookCounts(emuBook(office)).Reads; got != 3 {
		t.Errorf("office pages read = %d, want 3", got)
	}
	mine, err := e.client.ListPhonebook(ctx, personal)
	if err != nil {
		t.Fatal(err)
	}
	// A hand-made entry is listed as it is, extension and all.
	if len(mine) != 1 || mine[0].Source != "manual" || mine[0].Numbers[0].Number != "201" {
		t.Fatalf("personal = %+v", mine)
	}
	if empty, err := e.client.ListPhonebook(ctx, onecloud.PersonalPhonebook("1001")); err != nil || len(empty) != 0 {
		t.Fatalf("empty phonebook: %v %v", empty, err)
	}
}

func TestPhonebookHandEdit(t *testing.T) {
	e := newEnv(t, emulator.OneCloudOptions{}, onecloud.Options{})
	ctx := context.Background()
	b := onecloud.PersonalPhonebook("1001")
	created, err := e.client.CreateContact(ctx, b, studio("AAMk1"))
	if err != nil {
		t.Fatal(err)
	}
	edited, err := e.oc.EditPhonebookEntry(emuBook(b), created.ID, func(c *emulator.OneCloudContact) { c.Name = "Bianchi (avv.)" })
	if err != nil {
		t.Fatal(err)
	}
	if edited.ETag == created.ETag {
		t.Fatal("a hand edit kept the ETag")
	}
	if _, err := e.client.UpdateContact(ctx, b, created, created.ETag); !errors.Is(err, onecloud.ErrPreconditionFailed) {
		t.Fatalf("update after hand edit: %v", err)
	}
	if err := e.client.DeleteContact(ctx, b, created.ID, created.ETag); !errors.Is(err, onecloud.ErrPreconditionFailed) {
		t.Fatalf("delete after hand edit: %v", err)
	}
	if got := e.oc.PhonebookEntries(emuBook(b)); len(got) != 1 || got[0].Name != "Bianchi (avv.)" {
		t.Fatalf("entries = %+v", got)
	}
	list, _ := e.client.ListPhonebook(ctx, b)
	if len(list) != 1 || list[0].ETag != edited.ETag {
		t.Fatalf("listing does not show the current ETag: %+v", list)
	}
}

func TestPhonebookErrors(t *testing.T) {
	e := newEnv(t, emulator.OneCloudOptions{ReadOnlyToken: "read-only"}, onecloud.Options{})
	ctx := context.Background()
	b := onecloud.PersonalPhonebook("1001")
	if _, err := e.client.CreateContact(ctx, b, studio("dup")); err != nil {
		t.Fatal(err)
	}
	bad := studio("x")
	bad.Numbers[1].Number = "333 1234567"
	tests := []struct {
		name  string
		call  func(c *onecloud.Client) error
		check func(error) bool
		text  string
	}{
		{"unknown user lists 404", func(c *onecloud.Client) error {
			_, err := c.ListPhonebook(ctx, onecloud.PersonalPhonebook("9999"))
			return err
		}, func(err error) bool { return errors.Is(err, onecloud.ErrNotFound) }, "list phonebook user:9999 (page 1): 404 not_found"},
		{"unknown user create 404", func(c *onecloud.Client) error {
			_, err := c.CreateContact(ctx, onecloud.PersonalPhonebook("9999"), studio("a"))
			return err
		}, func(err error) bool { return errors.Is(err, onecloud.ErrNotFound) }, "404"},
		{"duplicate externalId", func(c *onecloud.Client) error {
			_, err := c.CreateContact(ctx, b, studio("dup"))
			return err
		}, onecloud.IsInvalidContact, `externalId: "dup" is already used`},
		{"client-side validation names the field", func(c *onecloud.Client) error {
			_, err := c.CreateContact(ctx, b, bad)
			return err
		}, onecloud.IsInvalidContact, `numbers[1].number: "333 1234567" is not E.164`},
		{"create with id", func(c *onecloud.Client) error {
			ct := studio("y")
			ct.ID = "c-1"
			_, err := c.CreateContact(ctx, b, ct)
			return err
		}, func(err error) bool { return err != nil }, "id and etag must be empty"},
		{"update without etag", func(c *onecloud.Client) error {
			ct := studio("y")
			ct.ID = "c-1"
			_, err := c.UpdateContact(ctx, b, ct, "")
			return err
		}, func(err error) bool { return err != nil }, "etag is empty"},
		{"delete without id", func(c *onecloud.Client) error { return c.DeleteContact(ctx, b, "", `"x"`) },
			func(err error) bool { return err != nil }, "id is empty"},
		{"zero phonebook", func(c *onecloud.Client) error {
			_, err := c.ListPhonebook(ctx, onecloud.Phonebook{})
			return err
		}, func(err error) bool { return err != nil }, "no phonebook named"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call(e.client)
			if !tt.check(err) || !strings.Contains(fmt.Sprint(err), tt.text) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.text)
			}
		})
	}
	// Nothing invalid was sent: only the first create reached the server.
	if c := e.oc.PhonebookCounts(emuBook(b)); c.Creates != 2 {
		t.Errorf("creates received = %d, want 2 (the first and the duplicate)", c.Creates)
	}

	ro, err := onecloud.New(onecloud.Options{BaseURL: e.base, Token: "read-only", Retry: fastRetry(1)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ro.ListPhonebook(ctx, b); err != nil {
		t.Fatalf("read-only token lists: %v", err)
	}
	if _, err := ro.CreateContact(ctx, b, studio("z")); !onecloud.IsAuth(err) {
		t.Fatalf("read-only create: %v, want 403", err)
	}
	wrong, _ := onecloud.New(onecloud.Options{BaseURL: e.base, Token: "wrong", Retry: fastRetry(1)})
	if _, err := wrong.ListPhonebook(ctx, b); !onecloud.IsAuth(err) {
		t.Fatalf("wrong token: %v, want 401", err)
	}
}

// TestPhonebookRetries: 429 with Retry-After is waited out on the clock,
// a 5xx burst is retried, and a PUT retried after its first attempt was
// applied meets 412, not a second write.
func TestPhonebookRetries(t *testing.T) {
	t.Run("429 Retry-After", func(t *testing.T) {
		clk := clock.NewFake(t0)
		e := newEnv(t, emulator.OneCloudOptions{Clock: clk, RetryAfter: 3 * time.Second},
			onecloud.Options{Clock: clk, Retry: retry.Policy{MaxAttempts: 3, Jitter: func() float64 { return 0 }}})
		e.oc.ThrottleEvery(1)
		done := make(chan error, 1)
		go func() {
			_, err := e.client.ListPhonebook(context.Background(), onecloud.OfficePhonebook())
			done <- err
		}()
		if !clk.WaitForTimers(1, 10*time.Second) {
			t.Fatal("client never waited")
		}
		if next, _ := clk.Next(); next.Sub(clk.Now()) != 3*time.Second {
			t.Errorf("wait = %v, want 3s", next.Sub(clk.Now()))
		}
		e.oc.ThrottleEvery(0)
		clk.Advance(3 * time.Second)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if s := e.client.Stats(); s.PhonebookReads != 2 || s.Retries != 1 {
			t.Errorf("stats = %+v", s)
		}
	})
	t.Run("5xx burst", func(t *testing.T) {
		e := newEnv(t, emulator.OneCloudOptions{}, onecloud.Options{})
		e.oc.FailNext(2, http.StatusBadGateway)
		if _, err := e.client.CreateContact(context.Background(), onecloud.OfficePhonebook(), studio("a")); err != nil {
			t.Fatal(err)
		}
		if n := len(e.oc.PhonebookEntries(emulator.OneCloudOfficeBook())); n != 1 {
			t.Errorf("entries = %d", n)
		}
	})
	t.Run("lost PUT answer", func(t *testing.T) {
		oc := emulator.NewOneCloud(emulator.OneCloudOptions{Token: testToken})
		b := onecloud.OfficePhonebook()
		stored, _ := oc.AddPhonebookEntry(emuBook(b), emuContact(studio("a")))
		entry := clientContact(stored)
		var puts atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPut && puts.Add(1) == 1 {
				// Applied, then the answer is lost behind a proxy's 502.
				oc.ServeHTTP(httptest.NewRecorder(), r)
				w.WriteHeader(http.StatusBadGateway)
				_, _ = io.WriteString(w, "<html>bad gateway</html>")
				return
			}
			oc.ServeHTTP(w, r)
		}))
		defer srv.Close()
		c, _ := onecloud.New(onecloud.Options{BaseURL: srv.URL, Token: testToken, Retry: fastRetry(3)})
		upd := entry
		upd.Title = "x"
		_, err := c.UpdateContact(context.Background(), b, upd, entry.ETag)
		if !errors.Is(err, onecloud.ErrPreconditionFailed) {
			t.Fatalf("err = %v, want 412 on the retry", err)
		}
		if w := oc.PhonebookWrites(); len(w) != 1 {
			t.Errorf("writes = %d, want 1", len(w))
		}
	})
}
