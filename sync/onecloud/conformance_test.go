package onecloud_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/emulator"
	"github.com/calsync/calsync/sync/onecloud"
)

// TestMethodOverrideBothWays writes a presence and a phonebook entry (PUT,
// POST, DELETE) with and without onecloud.methodOverride, and counts the
// methods the emulator saw on the wire: with the option PUT and DELETE
// travel as POST with X-HTTP-Method-Override and are served as themselves.
func TestMethodOverrideBothWays(t *testing.T) {
	for _, tc := range []struct {
		override   bool
		wire       map[string]int
		overridden int
	}{
		{false, map[string]int{"GET": 3, "PUT": 2, "POST": 1, "DELETE": 1}, 0},
		{true, map[string]int{"GET": 3, "POST": 4}, 3},
	} {
		t.Run(map[bool]string{false: "plain", true: "override"}[tc.override], func(t *testing.T) {
			e := newEnv(t, emulator.OneCloudOptions{}, onecloud.Options{MethodOverride: tc.override})
			ctx := context.Background()
			_, etag, err := e.client.GetPresence(ctx, "1001") // GET
			if err != nil {
				t.Fatal(err)
			}
			want := onecloud.Presence{Activity: "meeting", Role: "office", Until: t0.Add(time.Hour)}
			got, _, err := e.client.PutPresence(ctx, "1001", want, etag) // PUT
			if err != nil || !got.Equal(want) {
				t.Fatalf("PutPresence = %+v, %v", got, err)
			}
			if p, _ := e.oc.Presence("1001"); p.Activity != "meeting" {
				t.Fatalf("emulator holds %+v", p)
			}
			b := onecloud.OfficePhonebook()
			c, err := e.client.CreateContact(ctx, b, studio("AAMk1")) // POST
			if err != nil {
				t.Fatal(err)
			}
			c.Title = "Notaio"
			c, err = e.client.UpdateContact(ctx, b, c, c.ETag) // PUT
			if err != nil {
				t.Fatal(err)
			}
			if err := e.client.DeleteContact(ctx, b, c.ID, c.ETag); err != nil { // DELETE
				t.Fatal(err)
			}
			list, err := e.client.ListPhonebook(ctx, b) // GET
			if err != nil || len(list) != 0 {
				t.Fatalf("after delete: %+v, %v", list, err)
			}
			if _, _, err := e.client.GetPresence(ctx, "1002"); err != nil { // GET
				t.Fatal(err)
			}

			n := e.oc.Counts()
			for m, want := range tc.wire {
				if n.ByWireMethod[m] != want {
					t.Errorf("%s on the wire = %d, want %d (all: %v)", m, n.ByWireMethod[m], want, n.ByWireMethod)
				}
			}
			if len(n.ByWireMethod) != len(tc.wire) {
				t.Errorf("methods on the wire = %v, want %v", n.ByWireMethod, tc.wire)
			}
			if n.Overridden != tc.overridden {
				t.Errorf("Overridden = %d, want %d", n.Overridden, tc.overridden)
			}
			if n.ByEndpoint[emulator.OneCloudPutPresence] != 1 || n.Reads != 3 || n.Writes != 4 {
				t.Errorf("served as: %v, reads %d, writes %d", n.ByEndpoint, n.Reads, n.Writes)
			}
			if n.WithoutJSONHeaders != 0 {
				t.Errorf("%d requests lacked Accept or Content-Type application/json", n.WithoutJSONHeaders)
			}
		})
	}
}

// TestEveryRequestCarriesJSONHeaders looks at the headers themselves,
// reads included (Setera's reference asks them of every request).
func TestEveryRequestCarriesJSONHeaders(t *testing.T) {
	var seen []http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Header.Clone())
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"roles":[]}`))
	}))
	t.Cleanup(srv.Close)
	c, err := onecloud.New(onecloud.Options{BaseURL: srv.URL, Token: testToken})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Roles(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || seen[0].Get("Accept") != "application/json" || seen[0].Get("Content-Type") != "application/json" ||
		seen[0].Get("X-HTTP-Method-Override") != "" {
		t.Errorf("headers = %v", seen)
	}
}

// TestValidationBodyNamesTheField: a 400's validation result becomes an
// error naming each field, from the emulator and from a hand-made body.
func TestValidationBodyNamesTheField(t *testing.T) {
	e := newEnv(t, emulator.OneCloudOptions{}, onecloud.Options{})
	req, _ := http.NewRequest(http.MethodGet, e.base+"/v1/users?page=zero", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body strings.Builder
	buf := make([]byte, 4096)
	n, _ := resp.Body.Read(buf)
	body.Write(buf[:n])
	if resp.StatusCode != 400 || !strings.Contains(body.String(), `"fields":[{"field":"page","message":"expected a positive integer, got \"zero\""}]`) {
		t.Errorf("emulator 400 = %d %s", resp.StatusCode, body.String())
	}

	for _, tc := range []struct {
		body, want string
		fields     int
	}{
		{`{"error":{"code":"bad_request","message":"validation failed","fields":[{"field":"until","message":"must be in UTC"},{"field":"role","message":"unknown"}]}}`,
			"put presence of 1001: 400 bad_request: until: must be in UTC; role: unknown", 2},
		{`{"error":{"code":"bad_request","message":"page: bad"}}`, "put presence of 1001: 400 bad_request: page: bad", 0},
		{`{"error":{"code":"bad_request","message":"x","fields":[{"field":"","message":"bad\nline"}]}}`,
			"put presence of 1001: 400 bad_request: (unnamed field): bad line", 1},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(400)
			_, _ = w.Write([]byte(tc.body))
		}))
		c, err := onecloud.New(onecloud.Options{BaseURL: srv.URL, Token: testToken})
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = c.PutPresence(context.Background(), "1001", onecloud.Presence{Activity: "meeting"}, `"e1"`)
		srv.Close()
		ae := apiError(t, err)
		if err.Error() != tc.want || len(ae.Fields) != tc.fields {
			t.Errorf("error = %q (%d fields), want %q (%d)", err, len(ae.Fields), tc.want, tc.fields)
		}
	}

	// The emulator's invalid_contact names the number at fault.
	srv := httptest.NewServer(e.oc)
	t.Cleanup(srv.Close)
	raw := `{"source":"calsync","externalId":"x","name":"A","company":"","title":"","email":"","numbers":[{"type":"work","number":"333"}]}`
	req, _ = http.NewRequest(http.MethodPost, srv.URL+"/api/v1/phonebook/contacts", strings.NewReader(raw))
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	n, _ = resp.Body.Read(buf)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(buf[:n]), `"fields":[{"field":"numbers[0].number"`) {
		t.Errorf("invalid_contact = %d %s", resp.StatusCode, buf[:n])
	}
}

// TestUnauthorizedNamesTheTicket: a 401 says the ticket expired or was
// revoked, with the date calsync knew, and the remedy says how to renew.
func TestUnauthorizedNamesTheTicket(t *testing.T) {
	ctx := context.Background()
	exp := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	e := newEnv(t, emulator.OneCloudOptions{}, onecloud.Options{Token: "expired", TokenExpires: exp})
	_, err := e.client.Roles(ctx)
	if !onecloud.IsAuth(err) {
		t.Fatalf("err = %v", err)
	}
	for _, s := range []string{err.Error(), onecloud.AuthRemedy(err)} {
		if !strings.Contains(s, "expired or been revoked") || !strings.Contains(s, "2026-11-30") {
			t.Errorf("%q lacks the ticket's state or date", s)
		}
	}
	if r := onecloud.AuthRemedy(err); !strings.Contains(r, "Home -> Tickets") || !strings.Contains(r, "calsync secret set onecloud --expires") {
		t.Errorf("remedy %q does not say how to renew", r)
	}

	e = newEnv(t, emulator.OneCloudOptions{}, onecloud.Options{Token: "expired"})
	_, err = e.client.Roles(ctx)
	if r := onecloud.AuthRemedy(err); !strings.Contains(r, "not recorded in onecloud.tokenExpires") {
		t.Errorf("remedy without a date = %q", r)
	}
	e = newEnv(t, emulator.OneCloudOptions{ReadOnlyToken: "reader"}, onecloud.Options{Token: "reader"})
	_, _, err = e.client.PutPresence(ctx, "1001", onecloud.Presence{Activity: "meeting"}, `"x"`)
	if r := onecloud.AuthRemedy(err); !strings.Contains(r, "External API authorization") {
		t.Errorf("403 remedy = %q", r)
	}
}

func TestTokenExpiryWarning(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		days int
		want string
	}{
		{40, ""},
		{30, "The OneCloud API ticket expires on 2027-01-06 (in 30 days)"},
		{7, "expires on 2026-12-14 (in 7 days)"},
		{1, "expires on 2026-12-08 (in 1 day)"},
		{0, "The OneCloud API ticket expired on 2026-12-07"},
	} {
		d := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC).AddDate(0, 0, tc.days)
		got := onecloud.TokenExpiryWarning(d, now)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%d days: %q, want %q", tc.days, got, tc.want)
		}
		if got != "" && (!strings.Contains(got, "Home -> Tickets") || !strings.Contains(got, "calsync secret set onecloud")) {
			t.Errorf("%q does not say how to renew", got)
		}
	}
	if onecloud.TokenExpiryWarning(time.Time{}, now) != "" {
		t.Error("unknown date warns")
	}
}
