// Package action names the service control actions: what `calsync service <action>` runs and
// the GUI's Service tab asks for. It is apart from sync/service so that the GUI can name an
// action without importing the service manager (kardianos/service) itself.
package action

// The actions sync/service's Control accepts.
const (
	Install   = "install"
	Uninstall = "uninstall"
	Start     = "start"
	Stop      = "stop"
	Status    = "status"
)
