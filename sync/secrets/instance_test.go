package secrets

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

func TestInstanceService(t *testing.T) {
	def := filepath.Join(t.TempDir(), "calsync", "config.json")
	other := filepath.Join(t.TempDir(), "b", "config.json")
	second := filepath.Join(t.TempDir(), ".config", "calsync", "config.json")
	hashed := regexp.MustCompile(`^calsync-[0-9a-f]{12}$`)
	tests := []struct {
		name, goos, path, def string
		want                  string // "" means "calsync-" and 12 hex digits
	}{
		{"default instance keeps today's name", "linux", def, def, DefaultService},
		{"default reached through dots", "linux", filepath.Join(filepath.Dir(def), ".", "..", "calsync", "config.json"), def, DefaultService},
		{"no default location", "linux", other, "", ""},
		{"another config", "linux", other, def, ""},
		{"empty path is the default", "linux", "", def, DefaultService},
		{"the second default location", "linux", second, def, DefaultService},
		{"windows ignores case", "windows", `C:\ProgramData\calsync\config.json`, `c:\programdata\CALSYNC\config.json`, DefaultService},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := instanceService(tt.goos, tt.path, tt.def, second)
			if tt.want == "" {
				if !hashed.MatchString(got) {
					t.Fatalf("instanceService(%q) = %q; want calsync-<12 hex>", tt.path, got)
				}
				return
			}
			if got != tt.want {
				t.Fatalf("instanceService(%q) = %q; want %q", tt.path, got, tt.want)
			}
		})
	}
	// Stable and distinct: the same path always gives the same name, another path another.
	a, b := InstanceService(other, def), InstanceService(other, def)
	c := InstanceService(filepath.Join(filepath.Dir(other), "x", "config.json"), def)
	if a != b || a == c || a == DefaultService {
		t.Fatalf("names: %q, %q, %q; want the first two equal, the third different, none the default", a, b, c)
	}
	// A relative path names the same instance as its absolute form.
	if err := os.MkdirAll(filepath.Dir(other), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Chdir(filepath.Dir(other))
	if r := InstanceService("config.json", def); r != a {
		t.Fatalf("relative path: %q; want %q", r, a)
	}
}

// TestInstancesKeepTheirOwnSecrets is the two-instance check against
// memory; TestRealSecretService runs it against the real keychain.
func TestInstancesKeepTheirOwnSecrets(t *testing.T) {
	def := filepath.Join(t.TempDir(), "config.json")
	checkInstancesApart(t, &Memory{}, def,
		def, filepath.Join(t.TempDir(), "config.json"), filepath.Join(t.TempDir(), "config.json"))
}

// instanceSecrets are the entries every instance has: the two typed-in
// secrets and the certificate keys.
var instanceSecrets = []Name{Graph, OneCloud, GraphCertificateKey, GraphCertificateKeyPrevious}

// checkInstancesApart writes every secret of the instances configured at
// paths (one store each over backend), in several orders, and checks after
// each round that every instance reads back only its own values; then
// deletes one instance's entries and checks the others are untouched.
func checkInstancesApart(t *testing.T, backend Backend, defaultPath string, paths ...string) {
	t.Helper()
	ctx := context.Background()
	stores := make([]*Store, len(paths))
	seen := map[string]bool{}
	for i, p := range paths {
		stores[i] = New(Options{Service: InstanceService(p, defaultPath), Backend: backend, Getenv: envMap(nil)})
		if seen[stores[i].Service()] {
			t.Fatalf("two instances share the keychain service %q", stores[i].Service())
		}
		seen[stores[i].Service()] = true
	}
	value := func(round, inst int, n Name) string { return fmt.Sprintf("r%d-instance%d-%s-value", round, inst, n) }
	// Each order is a list of (instance, secret) writes.
	type write struct {
		inst int
		n    Name
	}
	var forward, backward, interleaved []write
	for i := range stores {
		for _, n := range instanceSecrets {
			forward = append(forward, write{i, n})
			backward = append([]write{{i, n}}, backward...)
		}
	}
	for _, n := range instanceSecrets {
		for i := range stores {
			interleaved = append(interleaved, write{(i + len(n)) % len(stores), n})
		}
	}
	for round, order := range [][]write{forward, backward, interleaved} {
		for _, w := range order {
			if err := stores[w.inst].Set(ctx, w.n, value(round, w.inst, w.n)); err != nil {
				t.Fatalf("round %d: set %s of instance %d: %v", round, w.n, w.inst, err)
			}
		}
		for i, s := range stores {
			for _, n := range instanceSecrets {
				if v, src, err := s.Get(ctx, n); err != nil || v != value(round, i, n) || src != Keychain {
					t.Fatalf("round %d: instance %d (%s) %s = %q, %v; want its own %q", round, i, s.Service(), n, v, err, value(round, i, n))
				}
			}
		}
		for i, s := range stores {
			for _, st := range s.Status(ctx) {
				if !st.Set || st.Service != s.Service() || st.Account != st.Name.User() {
					t.Fatalf("round %d: instance %d status %+v; want set in service %q", round, i, st, s.Service())
				}
			}
		}
	}
	for _, n := range instanceSecrets {
		if err := stores[0].Delete(ctx, n); err != nil {
			t.Fatalf("delete %s of instance 0: %v", n, err)
		}
	}
	for i, s := range stores[1:] {
		for _, n := range instanceSecrets {
			if v, _, err := s.Get(ctx, n); err != nil || v != value(2, i+1, n) {
				t.Fatalf("after deleting instance 0's entries, instance %d %s = %q, %v", i+1, n, v, err)
			}
		}
	}
}
