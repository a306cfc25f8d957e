// Package layering has no code of its own: its test holds the module's import rules, so that
// the arrows docs/architecture.md draws (cmd/calsync -> app -> sync/localapi; cmd/calsync ->
// sync/service -> sync/daemon -> the jobs -> the clients) cannot be broken by a stray import.
package layering
