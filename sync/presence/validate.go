package presence

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/onecloud"
)

// ConfigError is a config that cannot work: each problem names its field
// ("rules[2].activity: ..."). The CLI maps it to exit code 2.
type ConfigError struct {
	Problems []string
}

func (e *ConfigError) Error() string {
	if len(e.Problems) == 1 {
		return "config: " + e.Problems[0]
	}
	return "config:\n  " + strings.Join(e.Problems, "\n  ")
}

// ValidateAgainstOneCloud checks that every activity and role the config
// names exists in OneCloud: each rule's activity and role, and the default
// activity ("" means config.DefaultActivity). IDs compare exactly, as
// OneCloud's PUT does. It returns nil or a *ConfigError with one problem per
// bad field, e.g.
//
//	rules[2].activity: unknown OneCloud activity "meetng"; known: available, meeting, lunch
//
// with a hint when the text is a known id in other case or an activity's
// display name. The engine runs it once, before its first write, so that a
// typo is a config error at start-up and not a 422 at 10:00 on Monday.
func ValidateAgainstOneCloud(cfg *config.Config, activities []onecloud.Activity, roles []onecloud.Role) error {
	if cfg == nil {
		return &ConfigError{Problems: []string{"config is empty"}}
	}
	actIDs := make([]string, len(activities))
	actNames := make([]string, len(activities))
	for i, a := range activities {
		actIDs[i], actNames[i] = a.ID, a.Name
	}
	roleIDs := make([]string, len(roles))
	roleNames := make([]string, len(roles))
	for i, r := range roles {
		roleIDs[i], roleNames[i] = r.ID, r.Name
	}
	var problems []string
	check := func(field, kind, v string, ids, names []string) {
		v = strings.TrimSpace(v)
		if p := unknownName(kind, v, ids, names); p != "" {
			problems = append(problems, field+": "+p)
		}
	}
	def := strings.TrimSpace(cfg.DefaultActivity)
	if def == "" {
		def = config.DefaultActivity
	}
	check("defaultActivity", "activity", def, actIDs, actNames)
	for i, r := range cfg.Rules {
		if strings.TrimSpace(r.Activity) != "" {
			check(fmt.Sprintf("rules[%d].activity", i), "activity", r.Activity, actIDs, actNames)
		}
		if strings.TrimSpace(r.Role) != "" {
			check(fmt.Sprintf("rules[%d].role", i), "role", r.Role, roleIDs, roleNames)
		}
	}
	if len(problems) > 0 {
		return &ConfigError{Problems: problems}
	}
	return nil
}

// unknownName returns "" when v is one of ids, else the problem text.
func unknownName(kind, v string, ids, names []string) string {
	for _, id := range ids {
		if id == v {
			return ""
		}
	}
	var hint string
	for i, id := range ids {
		switch {
		case strings.EqualFold(id, v):
			hint = fmt.Sprintf(" (did you mean %q? ids are case-sensitive)", id)
		case hint == "" && names[i] != "" && strings.EqualFold(strings.TrimSpace(names[i]), v):
			hint = fmt.Sprintf(" (%q is the name of the %s with id %q; use the id)", v, kind, id)
		}
	}
	known := "none"
	if len(ids) > 0 {
		known = strings.Join(ids, ", ")
	}
	return fmt.Sprintf("unknown OneCloud %s %q%s; known: %s", kind, v, hint, known)
}

// ensureValidated runs ValidateAgainstOneCloud once per engine with the
// lists read from the Catalog. A failure to read the lists is returned as
// is (network, auth: tried again next time); a config problem is kept and
// returned by every later call without asking OneCloud again, because only
// a new config (and so a new engine) can fix it. It returns the number of
// OneCloud reads it made.
func (e *Engine) ensureValidated(ctx context.Context) (reads int, err error) {
	if e.catalog == nil {
		return 0, nil
	}
	e.validateMu.Lock()
	defer e.validateMu.Unlock()
	if e.validated {
		return 0, e.validateErr
	}
	acts, err := e.catalog.Activities(ctx)
	reads++
	if err != nil {
		return reads, fmt.Errorf("check config against OneCloud: %w", err)
	}
	roles, err := e.catalog.Roles(ctx)
	reads++
	if err != nil {
		return reads, fmt.Errorf("check config against OneCloud: %w", err)
	}
	verr := ValidateAgainstOneCloud(e.cfg, acts, roles)
	var ce *ConfigError
	if verr != nil && !errors.As(verr, &ce) {
		return reads, verr
	}
	e.validated, e.validateErr = true, verr
	if verr != nil {
		e.log.Error("config names activities or roles OneCloud does not know; nothing will be written", "problems", ce.Problems)
	}
	return reads, verr
}
