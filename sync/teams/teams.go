// Package teams names the Microsoft Teams presence values calsync reads and rules match: the
// availabilities and activities Microsoft Graph's presence resource documents. It is pure: the
// config checks a teams rule with it, the rules engine and the GUI's rule editor list it.
package teams

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// activities are the values of a presence's activity, in Microsoft's documented order: what a
// rule of type teams matches.
var activities = [...]string{"Available", "Away", "BeRightBack", "Busy", "DoNotDisturb", "InACall",
	"InAConferenceCall", "Inactive", "InAMeeting", "Offline", "OffWork", "OutOfOffice", "PresenceUnknown",
	"Presenting", "UrgentInterruptionsOnly"}

// availabilities are the values of a presence's availability.
var availabilities = [...]string{"Available", "AvailableIdle", "Away", "BeRightBack", "Busy", "BusyIdle",
	"DoNotDisturb", "Offline", "PresenceUnknown"}

// Unknown is the activity of a user whose presence could not be read.
const Unknown = "PresenceUnknown"

// Activities returns the activity values, a fresh slice each time.
func Activities() []string { return slices.Clone(activities[:]) }

// Availabilities returns the availability values, a fresh slice each time.
func Availabilities() []string { return slices.Clone(availabilities[:]) }

// ParseActivity returns the documented spelling of an activity given in any case, or an error
// that lists the valid ones.
func ParseActivity(s string) (string, error) {
	t := strings.TrimSpace(s)
	for _, a := range activities {
		if strings.EqualFold(a, t) {
			return a, nil
		}
	}
	return "", fmt.Errorf("%q is not a Teams activity; expected one of %s", s, strings.Join(activities[:], ", "))
}

// ParseAvailability is ParseActivity for availabilities.
func ParseAvailability(s string) (string, error) {
	t := strings.TrimSpace(s)
	for _, a := range availabilities {
		if strings.EqualFold(a, t) {
			return a, nil
		}
	}
	return "", fmt.Errorf("%q is not a Teams availability; expected one of %s", s, strings.Join(availabilities[:], ", "))
}

// Words says an activity for people, in lower case: "InACall" is "in a call", "OffWork" is
// "off work". A value that is not Microsoft's comes back as it is.
func Words(activity string) string {
	a, err := ParseActivity(activity)
	if err != nil {
		return activity
	}
	var b strings.Builder
	for i, r := range a {
		if i > 0 && unicode.IsUpper(r) {
			b.WriteByte(' ')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}
