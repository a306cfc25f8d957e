package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/calsync/calsync/sync/atomicfile"
	"github.com/calsync/calsync/sync/certcred"
	"github.com/calsync/calsync/sync/certstore"
	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/localapi"
	"github.com/calsync/calsync/sync/secrets"
)

func certCommand() *command {
	return &command{
		name:  "cert",
		short: "create, import or show the certificate credential for Microsoft 365",
		long: "A certificate can replace the client secret (connector.credential \"certificate\"): its\n" +
			"private key stays in the OS keychain, and the public certificate, calsync-graph.cer, is kept\n" +
			"beside the configuration and uploaded to the app registration in Entra ID.\n" +
			"Replacing a certificate keeps the old one signing in until Entra accepts the new one.\n" +
			"When the calsync service runs, these commands go through it, so the key lands in the\n" +
			"service's keychain.",
		subs: []*command{
			{
				name:  "new",
				short: "make an RSA 2048 key and a self-signed certificate, and store the key",
				long: "Makes an RSA 2048 key and a self-signed certificate (CN=calsync <connector name>),\n" +
					"stores the key in the keychain and writes the certificate to calsync-graph.cer beside\n" +
					"the configuration (and, with --out, in DIR too), then says where to upload it.",
				flags: func(fs *flag.FlagSet, g *globals) func(context.Context, *env, []string) error {
					years := fs.Int("years", certcred.DefaultYears, fmt.Sprintf("validity in `years`, 1 to %d", certcred.MaxYears))
					out := fs.String("out", "", "write calsync-graph.cer to `DIR` as well (default: the configuration's directory)")
					asJSON := fs.Bool("json", false, "print the certificate's file, thumbprints and expiry as JSON")
					return func(ctx context.Context, e *env, args []string) error {
						if err := noArgs("calsync cert new", args); err != nil {
							return err
						}
						if *years < 1 || *years > certcred.MaxYears {
							return usageErrorf("calsync cert new: --years %d: expected 1 to %d", *years, certcred.MaxYears)
						}
						return certNew(ctx, g, e, *years, *out, *asJSON)
					}
				},
			},
			{
				name:  "import",
				args:  "FILE",
				short: "install an existing certificate and key (PEM with both, or .pfx)",
				long: "FILE is PEM text holding the certificate and its unencrypted private key, or a PKCS#12\n" +
					"file (.pfx, .p12). The .pfx password is read from standard input: typed without echo on\n" +
					"a terminal, or piped (calsync cert import office.pfx < password.txt); never an argument.",
				flags: func(fs *flag.FlagSet, g *globals) func(context.Context, *env, []string) error {
					asJSON := fs.Bool("json", false, "print the certificate's file, thumbprints and expiry as JSON")
					return func(ctx context.Context, e *env, args []string) error {
						if len(args) != 1 {
							return usageErrorf("calsync cert import: expected exactly one file (PEM or .pfx)")
						}
						return certImport(ctx, g, e, args[0], *asJSON)
					}
				},
			},
			{
				name:  "show",
				short: "show the installed certificate: thumbprints, expiry, days left",
				flags: func(fs *flag.FlagSet, g *globals) func(context.Context, *env, []string) error {
					asJSON := fs.Bool("json", false, "print as JSON")
					return func(ctx context.Context, e *env, args []string) error {
						if err := noArgs("calsync cert show", args); err != nil {
							return err
						}
						return certShow(g, e, *asJSON)
					}
				},
			},
		},
	}
}

// certSetup is what cert new and import share: where the configuration is,
// the connector's name and whether it already uses the certificate.
type certSetup struct {
	path     string
	name     string
	usesCert bool
}

func loadCertSetup(g *globals, e *env) (certSetup, error) {
	path, err := configPath(g, e)
	if err != nil {
		return certSetup{}, err
	}
	s := certSetup{path: path}
	// A certificate may come before the rest of the configuration: none yet is fine.
	cfg, err := config.Load(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return certSetup{}, withCode(exitUsage, err)
	default:
		// The name goes into the certificate's subject: only plain text.
		if err := config.CheckConnectorName(cfg.Connector.Name); err != nil {
			return certSetup{}, usageErrorf("%s: connector.name: %v", path, err)
		}
		s.name, s.usesCert = cfg.Connector.Name, cfg.Connector.UsesCertificate()
	}
	return s, nil
}

func (s certSetup) store(e *env) *certstore.Store {
	return certstore.New(newSecretStore(e, s.path), filepath.Dir(s.path), nil)
}

func certNew(ctx context.Context, g *globals, e *env, years int, out string, asJSON bool) error {
	if out != "" {
		st, err := os.Stat(out)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return usageErrorf("calsync cert new: --out %s does not exist; create the directory first, or leave --out out "+
				"(the certificate is always written beside the configuration)", out)
		case err != nil:
			return usageErrorf("calsync cert new: --out %s: %v", out, err)
		case !st.IsDir():
			return usageErrorf("calsync cert new: --out %s is a file, not a directory; give the directory to write %s to", out, certcred.FileName)
		}
	}
	s, err := loadCertSetup(g, e)
	if err != nil {
		return err
	}
	c, handed, err := certViaService(ctx, s.path, func(c *localapi.Client) (localapi.Certificate, error) {
		return c.NewCertificate(ctx, years)
	})
	if err != nil {
		return err
	}
	if !handed {
		if err := localStoreFallback(e, s.path, "the certificate's private key"); err != nil {
			return err
		}
		cred, err := certcred.New(s.name, years, time.Now())
		if err != nil {
			return err
		}
		if c, err = installLocally(ctx, e, s, cred); err != nil {
			return err
		}
	}
	return reportInstalled(e, s, c, out, handed, "created", asJSON)
}

func certImport(ctx context.Context, g *globals, e *env, file string, asJSON bool) error {
	data, err := readImportFile(file)
	if err != nil {
		return err
	}
	var password string
	if !bytes.Contains(data, []byte("-----BEGIN")) {
		// Not PEM: a .pfx, whose password comes from stdin like a secret's value.
		if e.stdinIsTTY() {
			fmt.Fprintf(e.stderr, "%s is a PKCS#12 file; type its password.\n", file)
		}
		v, err := secrets.ReadValue(e.stdin, e.stdinIsTTY(), e.stderr)
		if err != nil {
			return withCode(exitUsage, fmt.Errorf("read the password of %s from standard input: %w", file, err))
		}
		password = strings.TrimSuffix(strings.TrimSuffix(v, "\n"), "\r")
	}
	s, err := loadCertSetup(g, e)
	if err != nil {
		return err
	}
	c, handed, err := certViaService(ctx, s.path, func(c *localapi.Client) (localapi.Certificate, error) {
		return c.ImportCertificate(ctx, data, password)
	})
	if err != nil {
		return err
	}
	if !handed {
		if err := localStoreFallback(e, s.path, "the certificate's private key"); err != nil {
			return err
		}
		cred, err := certcred.Import(data, password, time.Now())
		if err != nil {
			// The package's errors never hold the key or the password, and begin with what
			// was being read ("import PEM: ...").
			return withCode(exitUsage, fmt.Errorf("%s: %w", file, err))
		}
		if c, err = installLocally(ctx, e, s, cred); err != nil {
			return err
		}
	}
	return reportInstalled(e, s, c, "", handed, "imported", asJSON)
}

func readImportFile(file string) ([]byte, error) {
	if st, err := os.Stat(file); err == nil && st.IsDir() {
		return nil, usageErrorf("calsync cert import: %s is a directory; give the certificate file in it (PEM with the key, or .pfx)", file)
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, withCode(exitUsage, fmt.Errorf("calsync cert import: %w", err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, certcred.MaxImportBytes+1))
	if err != nil {
		return nil, fmt.Errorf("calsync cert import: %w", err) // the error names the file
	}
	if len(data) > certcred.MaxImportBytes {
		return nil, usageErrorf("calsync cert import: %s is larger than %d bytes: not a certificate and key", file, certcred.MaxImportBytes)
	}
	return data, nil
}

// installLocally installs cred in this user's keychain and config directory.
// No keychain here is the admin's to fix where they run the command (2), not
// something unexpected.
func installLocally(ctx context.Context, e *env, s certSetup, cred *certcred.Credential) (localapi.Certificate, error) {
	store := s.store(e)
	if err := store.Install(ctx, cred); err != nil {
		if errors.Is(err, secrets.ErrKeychain) {
			return localapi.Certificate{}, withCode(exitUsage, err)
		}
		return localapi.Certificate{}, err
	}
	i := cred.Info(store.CertificatePath()).WithDaysLeft(time.Now())
	return localapi.Certificate{File: i.File, Subject: i.Subject, Thumbprint: i.Thumbprint, ThumbprintSHA256: i.ThumbprintSHA256,
		NotBefore: i.NotBefore, NotAfter: i.NotAfter, DaysLeft: *i.DaysLeft, PEM: string(cred.CertificatePEM())}, nil
}

// certViaService runs call against the service listening beside the
// configuration, so the key lands in the service's keychain (on Windows it
// runs as LocalSystem and cannot read this user's). It reports false,
// without error, when no service is listening.
func certViaService(ctx context.Context, path string, call func(*localapi.Client) (localapi.Certificate, error)) (localapi.Certificate, bool, error) {
	c, err := call(localapi.NewClient(config.SiblingPath(path, config.SocketFileName)))
	switch {
	case err == nil:
		return c, true, nil
	case errors.Is(err, localapi.ErrNotRunning):
		return localapi.Certificate{}, false, nil
	case errors.Is(err, localapi.ErrAccessDenied):
		return c, false, fmt.Errorf("the calsync service is running but refused this user: run this command as the user the service runs as (on Windows, from an elevated prompt): %w", err)
	case len(localapi.FieldErrors(err)) > 0:
		return c, false, withCode(exitUsage, fmt.Errorf("the calsync service refused the certificate: %w", err))
	}
	return c, false, fmt.Errorf("hand the certificate to the calsync service: %w", err)
}

// reportInstalled writes the --out copy and says what was installed and
// what to do next.
func reportInstalled(e *env, s certSetup, c localapi.Certificate, out string, handed bool, how string, asJSON bool) error {
	file := c.File
	if out != "" {
		file = filepath.Join(out, certcred.FileName)
		if filepath.Clean(file) != filepath.Clean(c.File) {
			if err := atomicfile.WriteFile(file, []byte(c.PEM), config.FilePerm); err != nil {
				return fmt.Errorf("write %s: %w", file, err)
			}
		}
	}
	if asJSON {
		return printJSON(e.stdout, certInfo(c, file, false))
	}
	where := fmt.Sprintf("this user's system keychain (service %q, account %q)", keychainService(s.path), secrets.GraphCertificateKey.User())
	if handed {
		where = "the running calsync service's keychain"
	}
	fmt.Fprintf(e.stdout, "Certificate %s; its private key is in %s.\n", how, where)
	printCertificate(e.stdout, certInfo(c, file, true))
	fmt.Fprintf(e.stdout, "\nNext: %s\n", certcred.UploadSteps(file, c.Thumbprint))
	if !s.usesCert {
		fmt.Fprintln(e.stdout, "Then set connector.credential to \"certificate\" in the configuration "+
			"(the Microsoft 365 connector settings: Credential, Certificate).")
	}
	return nil
}

// certInfo is the certificate as `cert new --json` and `cert show --json` print it.
func certInfo(c localapi.Certificate, file string, daysLeft bool) certcred.Info {
	i := certcred.Info{File: file, Subject: c.Subject, Thumbprint: c.Thumbprint, ThumbprintSHA256: c.ThumbprintSHA256,
		NotBefore: c.NotBefore, NotAfter: c.NotAfter}
	if daysLeft {
		d := c.DaysLeft
		i.DaysLeft = &d
	}
	return i
}

func printCertificate(w io.Writer, i certcred.Info) {
	fmt.Fprintf(w, "  File:         %s\n", i.File)
	fmt.Fprintf(w, "  Subject:      %s\n", i.Subject)
	fmt.Fprintf(w, "  Thumbprint:   %s (SHA-1, as Entra ID shows it)\n", i.Thumbprint)
	fmt.Fprintf(w, "  SHA-256:      %s\n", i.ThumbprintSHA256)
	expires := i.NotAfter
	if t, err := time.Parse(time.RFC3339, i.NotAfter); err == nil {
		expires = t.Format(time.DateOnly)
	}
	if i.DaysLeft != nil {
		expires += fmt.Sprintf(" (%d days left)", *i.DaysLeft)
	}
	fmt.Fprintf(w, "  Expires:      %s\n", expires)
}

// showJSON is `cert show --json`: the certificate in use or being
// introduced, and during a rotation the one being replaced.
type showJSON struct {
	certcred.Info
	Previous      *certcred.Info `json:"previous,omitempty"`
	ExpiryWarning string         `json:"expiryWarning,omitempty"`
	// KeyEntry is the keychain entry holding the private key (this
	// instance's, secrets.InstanceService).
	KeyEntry keyEntry `json:"keyEntry"`
}

// keyEntry names a keychain entry: service and account.
type keyEntry struct {
	Service string `json:"service"`
	Account string `json:"account"`
}

// certShow reads the certificate files alone: no keychain, so it works
// for any user who can read the configuration directory.
func certShow(g *globals, e *env, asJSON bool) error {
	path, err := configPath(g, e)
	if err != nil {
		return err
	}
	now := time.Now()
	store := certstore.New(nil, filepath.Dir(path), nil)
	cur, prev, err := store.Show(now)
	if errors.Is(err, certstore.ErrNone) {
		return withCode(exitUsage, fmt.Errorf("%w; make one with: calsync cert new", err))
	}
	if err != nil {
		return withCode(exitUsage, err)
	}
	var warning string
	if t, err := time.Parse(time.RFC3339, cur.NotAfter); err == nil {
		warning = certcred.ExpiryWarning(t, now)
	}
	entry := keyEntry{Service: keychainService(path), Account: secrets.GraphCertificateKey.User()}
	if asJSON {
		return printJSON(e.stdout, showJSON{Info: cur, Previous: prev, ExpiryWarning: warning, KeyEntry: entry})
	}
	fmt.Fprintln(e.stdout, "Certificate credential:")
	printCertificate(e.stdout, cur)
	fmt.Fprintf(e.stdout, "  Private key:  keychain service %q, account %q\n", entry.Service, entry.Account)
	if prev != nil {
		fmt.Fprintln(e.stdout, "\nBeing replaced (signs in until Entra ID accepts the one above):")
		printCertificate(e.stdout, *prev)
	}
	if warning != "" {
		fmt.Fprintf(e.stdout, "\nWarning: %s\n", warning)
	}
	return nil
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	return nil
}
