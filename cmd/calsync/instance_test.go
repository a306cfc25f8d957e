package main

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"

	"github.com/calsync/calsync/sync/certstore"
	"github.com/calsync/calsync/sync/secrets"
)

// Two instances (CALSYNC_CONFIG A and B) each keep their own client secret,
// OneCloud token and certificate key, whatever order they are written in:
// the reproduction (cert new for A, then for B, then A's key no
// longer matched its certificate).
func TestInstancesKeepTheirOwnCredentials(t *testing.T) {
	keyring.MockInit()
	t.Cleanup(keyring.MockInit)
	paths := []string{filepath.Join(t.TempDir(), "A", "config.json"), filepath.Join(t.TempDir(), "B", "config.json")}
	vars := func(i int) map[string]string { return map[string]string{"CALSYNC_CONFIG": paths[i]} }
	value := func(round, i int, n secrets.Name) string {
		return fmt.Sprintf("round%d-%s-of-%c-0123456789", round, n, 'A'+i)
	}
	thumbprint := regexp.MustCompile(`Thumbprint:\s+([0-9A-F]{40})`)
	thumbs := make([]string, len(paths))
	for round, order := range [][]int{{0, 1}, {1, 0}, {0, 1, 0}} {
		for _, i := range order {
			for _, n := range secrets.Names() {
				if r := runCLI(t, vars(i), value(round, i, n)+"\n", "secret", "set", string(n)); r.code != exitOK {
					t.Fatalf("round %d: secret set %s for %c: %s", round, n, 'A'+i, r)
				}
			}
			r := runCLI(t, vars(i), "", "cert", "new")
			m := thumbprint.FindStringSubmatch(r.stdout)
			if r.code != exitOK || m == nil {
				t.Fatalf("round %d: cert new for %c: %s", round, 'A'+i, r)
			}
			thumbs[i] = m[1]
		}
		for i, p := range paths {
			e := &env{getenv: func(string) string { return "" }, keychain: secrets.KeyringBackend{Reachable: func() error { return nil }}}
			store := newSecretStore(e, p)
			for _, n := range secrets.Names() {
				if v, _, err := store.Get(context.Background(), n); err != nil || v != value(round, i, n) {
					t.Fatalf("round %d: %c's %s = %q, %v; want its own", round, 'A'+i, n, v, err)
				}
			}
			cur, _, err := certstore.New(store, filepath.Dir(p), nil).Load(context.Background())
			if err != nil || cur.Thumbprint() != thumbs[i] {
				t.Fatalf("round %d: %c's certificate credential: %v (want thumbprint %s)", round, 'A'+i, err, thumbs[i])
			}
		}
	}
	services := map[string]bool{}
	for i := range paths {
		svc := keychainService(paths[i])
		services[svc] = true
		r := runCLI(t, vars(i), "", "secret", "status")
		if r.code != exitOK || !strings.Contains(r.stdout, "Keychain service: "+svc) || !strings.Contains(r.stdout, "graph-client-secret") {
			t.Errorf("secret status for %c does not name its entries (%s): %s", 'A'+i, svc, r)
		}
		r = runCLI(t, vars(i), "", "cert", "show")
		if r.code != exitOK || !strings.Contains(r.stdout, fmt.Sprintf(`keychain service %q, account "graph-certificate-key"`, svc)) {
			t.Errorf("cert show for %c does not name its key's entry (%s): %s", 'A'+i, svc, r)
		}
	}
	if len(services) != 2 || services[secrets.DefaultService] {
		t.Errorf("keychain services %v; want two, neither the default instance's", services)
	}
}
