package daemon

import (
	"strings"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/localapi"
)

// The OneCloud API ticket's expiry date in the config reaches the status as
// its own warning, and onecloud.methodOverride reaches the client: the
// service's presence writes travel as POST with X-HTTP-Method-Override.
func TestTicketExpiryAndMethodOverride(t *testing.T) {
	o := newOffice(t)
	cfg := o.config()
	cfg.OneCloud.TokenExpires = time.Now().UTC().AddDate(0, 0, 5).Format("2006-01-02")
	cfg.OneCloud.MethodOverride = true
	o.writeConfig(cfg)
	o.start()

	st := o.waitStatus("the first poll", firstPollDone)
	if w := st.OneCloudTokenExpiresWarning; !strings.Contains(w, "The OneCloud API ticket expires on "+cfg.OneCloud.TokenExpires) ||
		!strings.Contains(w, "Home -> Tickets") {
		t.Errorf("oneCloudTokenExpiresWarning = %q", w)
	}
	if st.SecretExpiresWarning != "" {
		t.Errorf("the ticket's warning leaked into the secret's: %q", st.SecretExpiresWarning)
	}
	n := o.oc.Counts()
	if n.ByWireMethod["PUT"] != 0 || n.Overridden == 0 || n.Overridden != n.ByWireMethod["POST"] {
		t.Errorf("methods on the wire %v, overridden %d", n.ByWireMethod, n.Overridden)
	}

	// Without a date there is no warning.
	cfg.OneCloud.TokenExpires = ""
	o.writeConfig(cfg)
	o.waitStatus("the warning gone with the date", func(st localapi.Status) bool {
		return st.OneCloudTokenExpiresWarning == ""
	})
}
