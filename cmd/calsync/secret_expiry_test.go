package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/secrets"
)

// TestSecretSetOneCloudExpires: --expires records the ticket's date in the
// configuration and the token in the keychain; bad dates exit 2, name the
// flag and store nothing at all; status and check then warn.
func TestSecretSetOneCloudExpires(t *testing.T) {
	keyring.MockInit()
	t.Cleanup(keyring.MockInit)
	o := newOffice(t)
	o.save()
	vars := map[string]string{"CALSYNC_CONFIG": o.path}
	service := secrets.InstanceService(o.path) // this test's instance keeps entries of its own
	const token = "oc-Ticket.Token_0123456789abcdef"
	before, err := os.ReadFile(o.path)
	if err != nil {
		t.Fatal(err)
	}
	today := time.Now()
	day := func(years, days int) string { return today.AddDate(years, 0, days).Format("2006-01-02") }

	for _, tc := range []struct{ expires, want string }{
		{"2027-02-30", `"2027-02-30" is not a date; expected YYYY-MM-DD (a day that exists)`},
		{"31/12/2027", `"31/12/2027" is not a date`},
		{"", `"" is not a date`},
		{day(0, -1), day(0, -1) + " is in the past"},
		{day(5, 1), day(5, 1) + " is more than 5 years ahead"},
	} {
		r := runCLI(t, vars, token+"\n", "secret", "set", "onecloud", "--expires", tc.expires)
		if r.code != exitUsage || !strings.Contains(r.stderr, "calsync secret set onecloud: --expires: "+tc.want) ||
			!strings.Contains(r.stderr, "nothing was stored") {
			t.Errorf("--expires %q: %s", tc.expires, r)
		}
		if got, err := keyring.Get(service, "onecloud-api-token"); err == nil {
			t.Errorf("--expires %q stored the token %q", tc.expires, got)
		}
		if after, _ := os.ReadFile(o.path); !bytes.Equal(after, before) {
			t.Errorf("--expires %q changed the configuration", tc.expires)
		}
		if strings.Contains(r.stdout+r.stderr, token) {
			t.Errorf("the token was printed: %s", r)
		}
	}

	// No configuration to record the date in: nothing stored either.
	missingPath := filepath.Join(t.TempDir(), "none.json")
	missing := map[string]string{"CALSYNC_CONFIG": missingPath}
	r := runCLI(t, missing, token+"\n", "secret", "set", "onecloud", "--expires", day(1, 0))
	if r.code != exitUsage || !strings.Contains(r.stderr, "--expires: there is no configuration at") {
		t.Errorf("without a configuration: %s", r)
	}
	if _, err := keyring.Get(secrets.InstanceService(missingPath), "onecloud-api-token"); err == nil {
		t.Error("the token was stored without a configuration for its date")
	}

	// A good date: the token in the keychain, the date in the configuration.
	date := day(1, 0)
	r = runCLI(t, vars, token+"\n", "secret", "set", "onecloud", "--expires", date)
	if r.code != exitOK || !strings.Contains(r.stdout, "onecloud secret stored in the system keychain") ||
		!strings.Contains(r.stdout, "expiry date "+date+" recorded in onecloud.tokenExpires") {
		t.Fatalf("secret set onecloud --expires %s: %s", date, r)
	}
	if got, err := keyring.Get(service, "onecloud-api-token"); err != nil || got != token {
		t.Errorf("keychain holds %q, %v", got, err)
	}
	cfg, err := config.Load(o.path)
	if err != nil || cfg.OneCloud.TokenExpires != date {
		t.Fatalf("config tokenExpires = %+v, %v", cfg, err)
	}
	if data, _ := os.ReadFile(o.path); bytes.Contains(data, []byte(token)) {
		t.Error("the token is in the configuration")
	}
	r = runCLI(t, vars, "", "secret", "status")
	if !regexp.MustCompile(`onecloud\s+set\s+stored in the keychain\s+onecloud-api-token\s+the API ticket expires on ` + date).MatchString(r.stdout) {
		t.Errorf("secret status: %s", r)
	}

	// Seven days before: secret status and check warn, and say how to renew.
	soon := day(0, 7)
	if r = runCLI(t, vars, token+"\n", "secret", "set", "onecloud", "--expires", soon); r.code != exitOK {
		t.Fatalf("--expires %s: %s", soon, r)
	}
	r = runCLI(t, vars, "", "secret", "status")
	if !strings.Contains(r.stdout, "The OneCloud API ticket expires on "+soon+" (in 7 days)") || !strings.Contains(r.stdout, "Home -> Tickets") {
		t.Errorf("secret status 7 days before: %s", r)
	}
	r = o.run("check")
	if !strings.Contains(r.stdout, "! OneCloud API ticket is not about to expire: The OneCloud API ticket expires on "+soon+" (in 7 days)") {
		t.Errorf("check 7 days before: %s", r)
	}

	// Without --expires the token is replaced and the date left alone.
	if r = runCLI(t, vars, token+"\n", "secret", "set", "onecloud"); r.code != exitOK || strings.Contains(r.stdout, "recorded") {
		t.Errorf("without --expires: %s", r)
	}
	if cfg, _ := config.Load(o.path); cfg.OneCloud.TokenExpires != soon {
		t.Errorf("the date changed without --expires: %q", cfg.OneCloud.TokenExpires)
	}

	// The Entra secret's date goes to connector.secretExpires the same way.
	secretDate := day(1, 6)
	r = runCLI(t, vars, "Gr4~secret.Value_0123456789abcdef\n", "secret", "set", "graph", "--expires", secretDate)
	if r.code != exitOK || !strings.Contains(r.stdout, "recorded in connector.secretExpires") {
		t.Errorf("secret set graph --expires: %s", r)
	}
	if cfg, _ := config.Load(o.path); cfg.Connector.SecretExpires != secretDate || cfg.OneCloud.TokenExpires != soon {
		t.Errorf("after graph --expires: %+v %+v", cfg.Connector, cfg.OneCloud)
	}
}

// TestSecretSetExpiresThroughService: with the service running, the token
// goes to the service and the date into the service's configuration.
func TestSecretSetExpiresThroughService(t *testing.T) {
	keyring.MockInit()
	t.Cleanup(keyring.MockInit)
	o := newOffice(t)
	dir, err := os.MkdirTemp("", "cs") // short: unix socket paths are limited
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	cfgPath := filepath.Join(dir, "config.json")
	if err := config.Save(cfgPath, o.cfg); err != nil {
		t.Fatal(err)
	}
	serviceStore := secrets.New(secrets.Options{Backend: &secrets.Memory{}, Getenv: func(string) string { return "" }})
	runTestService(t, cfgPath, serviceStore)
	ctx := context.Background()

	const token = "oc-Handed.Token_0123456789abcdef"
	vars := map[string]string{"CALSYNC_CONFIG": cfgPath}
	r := runCLI(t, vars, token+"\n", "secret", "set", "onecloud", "--expires", "2027-02-30")
	if r.code != exitUsage {
		t.Errorf("impossible date through the service: %s", r)
	}
	if _, _, err := serviceStore.Get(ctx, secrets.OneCloud); err == nil {
		t.Error("the service stored the token given with a bad date")
	}
	date := time.Now().AddDate(1, 0, 0).Format("2006-01-02")
	r = runCLI(t, vars, token+"\n", "secret", "set", "onecloud", "--expires", date)
	if r.code != exitOK || !strings.Contains(r.stdout, "handed to the running calsync service") ||
		!strings.Contains(r.stdout, "recorded in onecloud.tokenExpires") {
		t.Fatalf("secret set onecloud --expires with the service: %s", r)
	}
	if got, _, err := serviceStore.Get(ctx, secrets.OneCloud); err != nil || got != token {
		t.Errorf("service store holds %q, %v", got, err)
	}
	if cfg, err := config.Load(cfgPath); err != nil || cfg.OneCloud.TokenExpires != date {
		t.Errorf("the service's configuration: %+v, %v", cfg, err)
	}
}
