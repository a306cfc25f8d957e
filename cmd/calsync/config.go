package main

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/calsync/calsync/sync/config"
)

// configPath resolves --config, then $CALSYNC_CONFIG, then the OS default.
func configPath(g *globals, e *env) (string, error) {
	p, err := config.ResolvePath(g.config, e.getenv)
	if err != nil {
		return "", withCode(exitUsage, fmt.Errorf("find configuration file: %w", err))
	}
	return p, nil
}

// loadValidConfig loads and fully validates the configuration; every problem
// is an exit-2 error naming the file and the fields.
func loadValidConfig(g *globals, e *env) (*config.Config, string, error) {
	path, err := configPath(g, e)
	if err != nil {
		return nil, "", err
	}
	cfg, err := config.Load(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, path, usageErrorf("no configuration at %s: set one up in the calsync window, or write it as docs/config.md describes", path)
	}
	if err != nil {
		return nil, path, withCode(exitUsage, err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, path, withCode(exitUsage, invalidConfigError(path, err))
	}
	return cfg, path, nil
}

// invalidConfigError prefixes every field error with the file, one per line,
// so that each names both where and what.
func invalidConfigError(path string, err error) error {
	var ve config.ValidationErrors
	if !errors.As(err, &ve) {
		return fmt.Errorf("%s: %w", path, err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s is not valid (%s):", path, plural(len(ve), "problem"))
	for _, fe := range ve {
		fmt.Fprintf(&b, "\n  %s: %s", path, fe.Error())
	}
	return errors.New(b.String())
}
