package localapi

import "context"

// Backend is what the service behind the API does. The service implements it
// around the engine; *Client implements it too, so the GUI can drive either
// the service over the socket or an engine running in its own process through
// one interface.
//
// Errors: return a *ValidationError (or any error with a
// Fields() []string method) for input the caller can fix field by field, a
// *APIError to choose the HTTP status and code yourself; anything else is a
// 500 whose message is the error's text, so it must not contain a secret.
type Backend interface {
	Status(ctx context.Context) (Status, error)
	// Subscribe returns a channel of events that stays open until ctx ends
	// (the stream's client went away) or the service stops, when the backend
	// closes it. The backend must not block on a slow subscriber: dropping
	// events for it is better than stalling the engine.
	Subscribe(ctx context.Context) (<-chan Event, error)
	// SyncNow starts a poll, and a run of every other sync job, at once, or joins the one running.
	SyncNow(ctx context.Context) error
	// SyncJobNow starts a run of the named sync job at once, or right after the one running:
	// "contacts" without a calendar poll; "presence" is SyncNow. An unknown name is a 404
	// not_found, a job the configuration leaves off a 409 "<name>_off" (contacts_off).
	SyncJobNow(ctx context.Context, name string) error
	Pause(ctx context.Context) error
	Resume(ctx context.Context) error
	// Config returns the configuration as JSON; it holds no secrets.
	Config(ctx context.Context) ([]byte, error)
	// PutConfig validates and atomically saves a configuration; invalid input
	// returns a *ValidationError naming each bad field.
	PutConfig(ctx context.Context, config []byte) error
	// SetSecret stores a secret. There is no way to read one back.
	SetSecret(ctx context.Context, name, value string) error
	SecretStatus(ctx context.Context) ([]SecretState, error)
	OneCloudDirectory(ctx context.Context) (Directory, error)
	TestConnection(ctx context.Context) ([]CheckStep, error)
	// Logs returns up to n recent log lines, oldest first.
	Logs(ctx context.Context, n int) ([]string, error)
	CertificateBackend
}
