package main

import (
	"context"
	"errors"
	"io/fs"

	"github.com/calsync/calsync/app"
	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/secrets"
)

func runGUI(ctx context.Context, e *env, g *globals) error {
	path, err := configPath(g, e)
	if err != nil {
		return err
	}
	return app.Run(localStatus{path: path, secrets: newSecretStore(e)})
}

// localStatus reads the configuration and the secret store of this machine
// for the window's status screen.
type localStatus struct {
	path    string
	secrets *secrets.Store
}

func (l localStatus) Status(ctx context.Context) (app.Status, error) {
	st := app.Status{ConfigPath: l.path}
	cfg, err := config.Load(l.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		st.ConfigErrors = []string{"no configuration yet: create " + l.path + " (see docs/config.md)"}
	case err != nil:
		st.ConfigErrors = []string{err.Error()}
	default:
		var ve config.ValidationErrors
		if err := cfg.Validate(); errors.As(err, &ve) {
			for _, fe := range ve {
				st.ConfigErrors = append(st.ConfigErrors, fe.Error())
			}
		}
	}
	for _, s := range l.secrets.Status(ctx) {
		st.Secrets = append(st.Secrets, app.SecretState{Name: string(s.Name), Set: s.Set, Source: string(s.Source)})
	}
	return st, nil
}
