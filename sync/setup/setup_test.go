package setup

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/calendar"
	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/emulator"
	"github.com/calsync/calsync/sync/secrets"
)

func memoryStore(t *testing.T, values map[secrets.Name]string) *secrets.Store {
	t.Helper()
	s := secrets.New(secrets.Options{Backend: &secrets.Memory{}, Getenv: func(string) string { return "" }})
	for n, v := range values {
		if err := s.Set(context.Background(), n, v); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func testConfig(graphURL, oneCloudURL string) *config.Config {
	cfg := config.Default()
	cfg.Connector = config.Connector{TenantID: emulator.GraphDefaultTenantID, ClientID: emulator.GraphDefaultClientID,
		SyncUser: emulator.GraphDefaultSyncUser, AuthorityURL: graphURL, GraphURL: graphURL}
	cfg.OneCloud.BaseURL = oneCloudURL
	cfg.Users = []config.User{{OneCloudUser: "1001", Mailbox: "a@contoso.test", Enabled: true}}
	return cfg
}

// A missing secret is a MissingSecretError naming the secret and the
// command that sets it, for each part that needs one.
func TestMissingSecrets(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig("http://127.0.0.1:1", "http://127.0.0.1:2")
	tests := []struct {
		name  string
		store *secrets.Store
		want  secrets.Name
	}{
		{"no graph secret", memoryStore(t, map[secrets.Name]string{secrets.OneCloud: "tok"}), secrets.Graph},
		{"no onecloud token", memoryStore(t, map[secrets.Name]string{secrets.Graph: "sec"}), secrets.OneCloud},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Build(ctx, cfg, Options{Secrets: tt.store})
			var me *MissingSecretError
			if !errors.As(err, &me) || me.Name != tt.want {
				t.Fatalf("Build = %v, want a MissingSecretError for %s", err, tt.want)
			}
			if !strings.Contains(err.Error(), "calsync secret set "+string(tt.want)) {
				t.Errorf("error %q does not say how to set it", err)
			}
		})
	}
}

// With both secrets the engine is built over both emulators, keeps its
// state next to the configuration, and one cycle writes the presence.
func TestEngineAgainstEmulators(t *testing.T) {
	ctx := context.Background()
	g := emulator.NewGraph(emulator.GraphOptions{})
	gURL, stopG := g.Start()
	defer stopG()
	oc := emulator.NewOneCloud(emulator.OneCloudOptions{Token: "tok"})
	ocURL, stopOC := oc.Start()
	defer stopOC()
	if err := oc.AddUser(emulator.OneCloudUser{ID: "1001", Username: "a", Name: "A", Email: "a@contoso.test"}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	g.SetCalendar("a@contoso.test", []calendar.Event{{Start: now.Add(-10 * time.Minute), End: now.Add(50 * time.Minute), Status: calendar.Busy}})
	cfgPath := filepath.Join(t.TempDir(), "config.json")
	store := memoryStore(t, map[secrets.Name]string{secrets.Graph: emulator.GraphDefaultClientSecret, secrets.OneCloud: "tok"})
	parts, err := Build(ctx, testConfig(gURL, ocURL), Options{ConfigPath: cfgPath, Secrets: store})
	if err != nil {
		t.Fatal(err)
	}
	if parts.Graph == nil || parts.OneCloud == nil {
		t.Fatalf("Build = %+v, want both clients", parts)
	}
	rep, err := parts.Engine.SyncOnce(ctx, false)
	if err != nil || len(rep.Users) != 1 || rep.Users[0].Action != "set" || rep.GraphRequests != 1 || len(oc.Writes()) != 1 {
		t.Fatalf("SyncOnce = %+v, %v", rep, err)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(cfgPath), config.StateFileName)); err != nil {
		t.Fatalf("no state file next to the configuration: %v", err)
	}

	d := CheckDeps(ctx, testConfig(gURL, ocURL), nil, Options{Secrets: store})
	if d.Secret != emulator.GraphDefaultClientSecret || d.SecretErr != nil || d.OneCloud == nil {
		t.Fatalf("CheckDeps = secret set %v, err %v, onecloud probe %v", d.Secret != "", d.SecretErr, d.OneCloud != nil)
	}
	if err := d.OneCloud(ctx); err != nil {
		t.Fatalf("OneCloud probe: %v", err)
	}
	bad := memoryStore(t, map[secrets.Name]string{secrets.Graph: "x", secrets.OneCloud: "wrong"})
	err = CheckDeps(ctx, testConfig(gURL, ocURL), nil, Options{Secrets: bad}).OneCloud(ctx)
	var remedy interface{ Remedy() string }
	if !errors.As(err, &remedy) || !strings.Contains(remedy.Remedy(), "calsync secret set onecloud") {
		t.Fatalf("probe with a wrong token = %v, want the token remedy", err)
	}
}

// countingBackend counts the keychain reads, per secret.
type countingBackend struct {
	secrets.Memory
	mu    sync.Mutex
	reads map[string]int
}

func (b *countingBackend) Get(service, user string) (string, error) {
	b.mu.Lock()
	b.reads[user]++
	b.mu.Unlock()
	return b.Memory.Get(service, user)
}

// Build reads each secret once and hands back the clients it built the
// engine over, so its callers need no second read of the keychain.
func TestBuildReadsEachSecretOnce(t *testing.T) {
	for _, withContacts := range []bool{false, true} {
		ctx := context.Background()
		b := &countingBackend{reads: map[string]int{}}
		store := secrets.New(secrets.Options{Backend: b, Getenv: func(string) string { return "" }})
		for n, v := range map[secrets.Name]string{secrets.Graph: "sec", secrets.OneCloud: "tok"} {
			if err := store.Set(ctx, n, v); err != nil {
				t.Fatal(err)
			}
		}
		cfg := testConfig("http://127.0.0.1:1", "http://127.0.0.1:2")
		if withContacts {
			cfg.Contacts = &config.Contacts{Enabled: true, DefaultRegion: "IT"}
		}
		parts, err := Build(ctx, cfg, Options{Secrets: store})
		if err != nil {
			t.Fatal(err)
		}
		if parts.Graph == nil || parts.OneCloud == nil || parts.Engine == nil || (parts.Contacts != nil) != withContacts {
			t.Fatalf("contacts %v: Build = %+v, want every part (contacts only when on)", withContacts, parts)
		}
		for _, n := range []secrets.Name{secrets.Graph, secrets.OneCloud} {
			if got := b.reads[n.User()]; got != 1 {
				t.Errorf("contacts %v: %s read %d times, want 1", withContacts, n, got)
			}
		}
	}
}
