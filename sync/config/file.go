package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/calsync/calsync/sync/atomicfile"
)

// EnvConfig names the environment variable that overrides the config path
// when no --config flag is given.
const EnvConfig = "CALSYNC_CONFIG"

// FilePerm is the mode of every file calsync writes next to its config.
const FilePerm os.FileMode = 0o600

// DirPerm is the mode of a config directory that Save creates.
const DirPerm os.FileMode = 0o700

// MaxFileBytes is the largest configuration file Load reads. A real one is
// a few kilobytes and 20,000 users fit in 2 MiB; anything larger is not a
// calsync configuration (a log or an export saved under the wrong name),
// and decoding it would take hundreds of megabytes of memory.
const MaxFileBytes = 4 << 20

// ErrFileTooLarge marks a configuration file over MaxFileBytes.
var ErrFileTooLarge = errors.New("file too large")

// Load reads and decodes the config file at path. It does not Validate, so
// an unfinished config can be loaded and edited; callers validate before
// syncing. A missing file gives an error satisfying
// errors.Is(err, fs.ErrNotExist); a corrupt one a *DecodeError naming the
// path and, for a syntax error, the line and column.
func Load(path string) (*Config, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, err
	}
	return decoder{current: CurrentVersion, migrations: migrations()}.decode(data, path)
}

// readFile reads the config file, refusing one over MaxFileBytes with a
// *DecodeError wrapping ErrFileTooLarge.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err) // *fs.PathError names the path
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	if len(data) > MaxFileBytes {
		size := "more than 4 MiB"
		if st, err := f.Stat(); err == nil {
			size = fmt.Sprintf("%.1f MiB", float64(st.Size())/(1<<20))
		}
		return nil, &DecodeError{Path: path, Err: fmt.Errorf("%w: it is %s and a configuration is at most %d MiB "+
			"(a real one is a few kilobytes); is this the calsync configuration file?", ErrFileTooLarge, size, MaxFileBytes>>20)}
	}
	return data, nil
}

// Save validates c and writes it to path atomically with permissions 0600,
// creating the directory (0700) if needed. It refuses an invalid config with
// its ValidationErrors and leaves the file untouched. It also refuses to
// replace a file written by a newer calsync (ErrNewerVersion). A file at
// path that cannot be decoded (corrupt, hand-edited wrongly) is first copied
// to path+".bak", so nobody's typing is lost.
func Save(path string, c *Config) error {
	if err := c.Validate(); err != nil {
		return fmt.Errorf("save config %s: refused, it is not valid:\n%w", path, err)
	}
	data, err := Marshal(c)
	if err != nil {
		return fmt.Errorf("save config %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), DirPerm); err != nil {
		return fmt.Errorf("save config: create directory: %w", err)
	}
	if err := keepCorrupt(path); err != nil {
		return fmt.Errorf("save config %s: %w", path, err)
	}
	if err := atomicfile.WriteFile(path, data, FilePerm); err != nil {
		return fmt.Errorf("save config: %w", err)
	}
	return nil
}

// keepCorrupt copies an existing file that does not decode to path+".bak"
// before it is replaced. A file that decodes but does not validate is just
// being fixed and needs no copy.
func keepCorrupt(path string) error {
	old, err := readFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if errors.Is(err, ErrFileTooLarge) {
		// Too large to copy through memory; moved aside instead.
		if err := os.Rename(path, path+".bak"); err != nil {
			return fmt.Errorf("keep the oversized existing file as .bak: %w", err)
		}
		return nil
	}
	if err != nil {
		// Never replace what we could not look at.
		return fmt.Errorf("read the existing file: %w", err)
	}
	_, derr := Decode(old)
	switch {
	case derr == nil:
		return nil
	case errors.Is(derr, ErrNewerVersion):
		return fmt.Errorf("refusing to replace a config %w", derr)
	}
	if err := atomicfile.WriteFile(path+".bak", old, FilePerm); err != nil {
		return fmt.Errorf("keep the unreadable existing file as .bak: %w", err)
	}
	return nil
}

// Marshal encodes c as Save writes it: indented JSON with a trailing
// newline, empty lists as [] rather than null, and no HTML escaping (so
// "R&D" stays readable).
func Marshal(c *Config) ([]byte, error) {
	if c == nil {
		return nil, errors.New("encode config: no config")
	}
	out := *c
	if out.Rules == nil {
		out.Rules = []Rule{}
	}
	if out.Users == nil {
		out.Users = []User{}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&out); err != nil {
		return nil, fmt.Errorf("encode config: %w", err)
	}
	return b.Bytes(), nil
}

// DefaultPath is where the config lives when neither --config nor
// CALSYNC_CONFIG says otherwise: os.UserConfigDir()/calsync/config.json, and
// on Windows, where the service runs as LocalSystem and has no useful user
// profile, %ProgramData%\calsync\config.json.
func DefaultPath() (string, error) {
	return defaultPath(runtime.GOOS, os.Getenv, os.UserConfigDir)
}

// DefaultPaths are every spelling of the default configuration's path on this machine: DefaultPath
// and, on Windows, the same file under the ProgramData folder Windows itself names, which is what
// a service's environment and the admin's agree on. Code that asks "is this the default
// configuration?" (the keychain entries' names) compares with each.
func DefaultPaths() []string {
	var out []string
	if def, err := DefaultPath(); err == nil {
		out = append(out, def)
	}
	if pd := programData(); pd != "" {
		out = append(out, strings.TrimRight(pd, `\/`)+`\calsync\config.json`)
	}
	return out
}

// defaultPath is DefaultPath with the OS and the environment passed in, so
// the Windows rule is testable anywhere.
func defaultPath(goos string, getenv func(string) string, userConfigDir func() (string, error)) (string, error) {
	if goos == "windows" {
		base := strings.TrimRight(getenv("ProgramData"), `\/`)
		if base == "" {
			base = `C:\ProgramData`
		}
		return base + `\calsync\config.json`, nil
	}
	dir, err := userConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the config directory: %w; give the file with --config or %s", err, EnvConfig)
	}
	return filepath.Join(dir, "calsync", "config.json"), nil
}

// ResolvePath picks the config file: the --config flag value if given, else
// $CALSYNC_CONFIG, else DefaultPath. An explicit path is made absolute, so
// the service and the files next to the config do not depend on the working
// directory. A nil getenv uses os.Getenv.
func ResolvePath(flagValue string, getenv func(string) string) (string, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	return resolvePath(flagValue, getenv, runtime.GOOS, os.UserConfigDir)
}

func resolvePath(flagValue string, getenv func(string) string, goos string, userConfigDir func() (string, error)) (string, error) {
	explicit := flagValue
	if explicit == "" {
		explicit = getenv(EnvConfig)
	}
	if explicit == "" {
		return defaultPath(goos, getenv, userConfigDir)
	}
	abs, err := filepath.Abs(explicit)
	if err != nil {
		return "", fmt.Errorf("config path %s: %w", explicit, err)
	}
	return abs, nil
}

// SiblingPath is the path of a file calsync keeps next to its config, such
// as StateFileName, LogFileName or SocketFileName.
func SiblingPath(configPath, name string) string {
	return filepath.Join(filepath.Dir(configPath), name)
}
