// Package expiry is the one warning calsync gives about a credential that
// expires: the Entra client secret, the certificate credential and the
// OneCloud API ticket all warn the same way, from WarnDays before the date
// (status, tray, `calsync check`, `calsync secret status`), with the date,
// the days left and what to do.
package expiry

import (
	"fmt"
	"time"
)

// TicketRefused is in the text of the error of every OneCloud 401 answer, so a reader of the
// status (the desktop app, which does not import the OneCloud client) can tell a refused API
// ticket from other errors.
const TicketRefused = "the API ticket has expired or been revoked"

// WarnDays is how long before the expiry date the warning starts.
const WarnDays = 30

// Stages are the days left at which the warning escalates: a desktop
// notification is raised once when each is reached (30, 7 and 1 day before)
// and once more when the credential has expired.
var Stages = []int{30, 7, 1}

// Credential says what expires and how to renew it, for Warning's text.
type Credential struct {
	// What starts the sentence: "The client secret".
	What string
	// Expired is what to do once it has expired.
	Expired string
	// Soon is what to do before it expires.
	Soon string
}

// Warning returns "<What> expires on <date> (in N days): <Soon>." when
// expires is within WarnDays of now, "<What> expired on <date>: <Expired>."
// once it has passed, and "" otherwise or when expires is zero (the date is
// not recorded). Dates are shown in UTC as YYYY-MM-DD.
func (c Credential) Warning(expires, now time.Time) string {
	if expires.IsZero() {
		return ""
	}
	date := expires.UTC().Format("2006-01-02")
	left := expires.Sub(now)
	switch {
	case left <= 0:
		return fmt.Sprintf("%s expired on %s: %s.", c.What, date, c.Expired)
	case left <= WarnDays*24*time.Hour:
		days := DaysLeft(expires, now)
		unit := "days"
		if days == 1 {
			unit = "day"
		}
		return fmt.Sprintf("%s expires on %s (in %d %s): %s.", c.What, date, days, unit, c.Soon)
	}
	return ""
}

// DaysLeft is the number of days until expires, a part day counting as a
// whole one; 0 or less once it has passed.
func DaysLeft(expires, now time.Time) int {
	left := expires.Sub(now)
	if left <= 0 {
		return -int(-left / (24 * time.Hour))
	}
	return int((left + 24*time.Hour - 1) / (24 * time.Hour))
}

// Stage is the notification stage of a credential with days left: the
// smallest of Stages that days has reached, 0 once it has expired, and -1
// before the first stage.
func Stage(days int) int {
	if days <= 0 {
		return 0
	}
	stage := -1
	for _, s := range Stages {
		if days <= s {
			stage = s
		}
	}
	return stage
}
