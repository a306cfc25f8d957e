package app

import (
	"regexp"
	"strconv"
	"strings"
	gosync "sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/calsync/calsync/sync/expiry"
	"github.com/calsync/calsync/sync/localapi"
)

// notifier raises a desktop notification when a new problem appears, saying what to do. A
// problem is known by its text: the same error on the next retry or status event is not new.
// It becomes new again only after a finished sync no longer reports it (or, for the service
// being unreachable, after the service answers again).
type notifier struct {
	send func(*fyne.Notification)

	mu     gosync.Mutex
	active map[string]bool // problems already notified and still reported
}

// newNotifier returns a notifier that shows notifications through send, typically
// fyne.CurrentApp().SendNotification.
func newNotifier(send func(*fyne.Notification)) *notifier {
	return &notifier{send: send, active: map[string]bool{}}
}

// notifyProblem is one thing worth a notification.
type notifyProblem struct {
	key    string // identity across status updates
	text   string // what went wrong
	remedy string // what to do
}

// notifyServiceDown is the key of "the service cannot be reached", whatever the dial error says,
// so reconnection attempts do not notify again.
const notifyServiceDown = "service-down"

// Observe looks at a status (or the error of reaching the service) and notifies about problems
// not notified before. Several new problems at once make one notification.
func (n *notifier) Observe(st localapi.Status, err error) {
	if n == nil || n.send == nil {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()

	var current []notifyProblem
	if err != nil {
		current = []notifyProblem{{
			key:    notifyServiceDown,
			text:   lang.L("The calsync background service is not running, so presence is not synced."),
			remedy: lang.L("Open calsync and start the service on the Service tab, or run the sync in the window."),
		}}
	} else {
		current = notifyProblems(st)
		delete(n.active, notifyServiceDown)
	}

	var fresh []notifyProblem
	seen := map[string]bool{}
	for _, p := range current {
		seen[p.key] = true
		if !n.active[p.key] {
			n.active[p.key] = true
			fresh = append(fresh, p)
		}
	}
	// Forget solved problems only on a finished picture: a sync that has just started may not
	// have reported its errors yet, and an unreachable service tells nothing about them.
	if err == nil && !st.Syncing && st.State != localapi.StateSyncing {
		for k := range n.active {
			if !seen[k] {
				delete(n.active, k)
			}
		}
	}
	if len(fresh) == 0 {
		return
	}

	title := lang.L("calsync: a problem needs attention")
	if len(fresh) > 1 {
		title = lang.L("calsync: {{.Count}} problems need attention", map[string]any{"Count": len(fresh)})
	}
	body := fresh[0].text + "\n" + fresh[0].remedy
	if len(fresh) > 1 {
		body += "\n" + lang.L("Open calsync to see the others.")
	}
	n.send(fyne.NewNotification(title, body))
}

// notifyProblems lists a status's problems: service errors, users whose sync failed (one problem
// per distinct error text, however many users share it) and an expiring client secret.
func notifyProblems(st localapi.Status) []notifyProblem {
	var out []notifyProblem
	for _, e := range st.Errors {
		p := notifyProblem{key: "error:" + e, text: e, remedy: lang.L("Open calsync and look at the Status tab for details.")}
		switch {
		case strings.Contains(e, expiry.TicketRefused):
			p.remedy = lang.L("Create a new API ticket in the OneCloud portal (Home -> Tickets), then paste its token and expiry date on the Connector tab.")
		case trayIsAuthError(e):
			p.remedy = lang.L("Check the client secret, application ID and tenant ID on the Connector tab, then run Test connection.")
		}
		out = append(out, p)
	}
	byText := map[string][]string{}
	var texts []string
	for _, u := range st.Users {
		if u.LastError == "" {
			continue
		}
		if _, ok := byText[u.LastError]; !ok {
			texts = append(texts, u.LastError)
		}
		name := u.Name
		if name == "" {
			name = u.OneCloudUser
		}
		byText[u.LastError] = append(byText[u.LastError], name)
	}
	for _, t := range texts {
		names := byText[t]
		who := strings.Join(names, ", ")
		if len(names) > 3 {
			who = lang.L("{{.Count}} users", map[string]any{"Count": len(names)})
		}
		out = append(out, notifyProblem{
			key:    "user:" + t,
			text:   lang.L("Sync failed for {{.Who}}: {{.Error}}", map[string]any{"Who": who, "Error": t}),
			remedy: lang.L("Check the user's mailbox on the Users tab and the error on the Status tab."),
		})
	}
	if w := st.SecretExpiresWarning; w != "" {
		out = append(out, notifyProblem{
			key:    expiryNotifyKey("secret", w),
			text:   w,
			remedy: lang.L("Create a new client secret in Microsoft Entra and replace it on the Connector tab."),
		})
	}
	if w := st.OneCloudTokenExpiresWarning; w != "" {
		out = append(out, notifyProblem{
			key:    expiryNotifyKey("onecloud-ticket", w),
			text:   w,
			remedy: lang.L("Create a new API ticket in the OneCloud portal (Home -> Tickets), then paste its token and expiry date on the Connector tab."),
		})
	}
	return out
}

// expiryDays finds the days left in an expiry warning ("... (in 12 days): ...", as sync/expiry
// words every one); it does not match once the credential has expired.
var expiryDays = regexp.MustCompile(`\(in (\d+) days?\)`)

// expiryNotifyKey keys an expiry warning by its stage (expiry.Stages: 30, 7 and 1 days before,
// then expired) rather than its text, whose day count changes daily: the admin is notified once
// per stage, not every day.
func expiryNotifyKey(kind, warning string) string {
	m := expiryDays.FindStringSubmatch(warning)
	if m == nil {
		return kind + ":expired"
	}
	days, err := strconv.Atoi(m[1])
	if err != nil {
		return kind + ":" + warning
	}
	return kind + ":" + strconv.Itoa(expiry.Stage(days))
}
