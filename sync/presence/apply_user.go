package presence

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/onecloud"
	"github.com/calsync/calsync/sync/rules"
)

// applyUser runs the writing algorithm (see the package doc) for one user:
// decide, then settle it from the state alone (step 1) or by reading and
// writing OneCloud (step 2).
func (e *Engine) applyUser(ctx context.Context, u config.User, now time.Time, dryRun bool, cnt *counts) UserReport {
	p := &userPass{e: e, id: u.OneCloudUser, now: now, dryRun: dryRun, cnt: cnt,
		rep: UserReport{OneCloudUser: u.OneCloudUser, Mailbox: u.Mailbox, Rule: -1}}
	if err := ctx.Err(); err != nil {
		return p.fail(err, nil)
	}
	sched, groups, err := e.inputs(u, now)
	if err != nil {
		return p.fail(err, nil)
	}
	dec, want := e.decide(sched, groups, now)
	p.rep.Activity, p.rep.Role, p.rep.Until, p.rep.Rule = want.Activity, want.Role, want.Until, dec.Rule
	p.rep.Current = eventClass(dec, sched.Events, now)
	p.rep.TeamsActivity = sched.TeamsActivity
	p.rep.Warning = joinWarnings(e.workingHoursWarning(sched), e.teamsWarning(u.Mailbox))
	st, _ := e.store.User(p.id)

	if rep, ok := p.settledByState(st, want); ok {
		return rep
	}
	if down := cnt.unavailable(); down != nil {
		cnt.skipped.Add(1)
		return p.fail(fmt.Errorf("OneCloud unavailable, %s not tried in this pass (the next poll tries again): %w", p.id, down), &want)
	}
	return p.readAndWrite(ctx, st, dec, want)
}

// userPass is one user's turn in an Apply: what its steps share, and the
// report they fill in.
type userPass struct {
	e      *Engine
	id     string // the OneCloud user
	now    time.Time
	dryRun bool
	cnt    *counts
	rep    UserReport
}

// record changes the state, unless this is a dry run.
func (p *userPass) record(fn func(*UserState)) {
	if !p.dryRun {
		p.e.store.Update(p.id, p.now, fn)
	}
}

// fail reports err for the user and makes the next pass look again;
// desired, when known, is remembered as the presence the user should have.
func (p *userPass) fail(err error, desired *Desired) UserReport {
	p.rep.Action, p.rep.Error = ActionError, err.Error()
	p.e.log.Debug("user not synced", "user", p.id, "err", p.rep.Error)
	p.record(func(s *UserState) {
		if desired != nil {
			s.LastDesired = *desired
		}
		// Look again next time, even for the same desired presence.
		s.KeptManual, s.KeptUntil = false, time.Time{}
		s.LastAction, s.LastError = ActionError, p.rep.Error
	})
	return p.rep
}

// settledByState is step 1: the state alone says no OneCloud call is
// needed, because what we applied is still what is wanted, or a person's
// presence is being kept for this very desired presence.
func (p *userPass) settledByState(st UserState, want Desired) (UserReport, bool) {
	// Not after a failed decision, though: the change it missed (say a
	// lapsed presence set by hand, which it would have replaced) may still
	// be in OneCloud although desired is back to what we applied before.
	if !st.Applied.IsZero() && st.Attempted.IsZero() && st.LastAction != ActionError &&
		want.satisfiedBy(st.Applied.Activity, st.Applied.Role, st.Applied.Until) {
		p.rep.Action = ActionUnchanged
		// LastAction stays what the last OneCloud call did, so that a steady
		// calendar leaves the state, and the file, as they are.
		p.record(func(s *UserState) {
			s.LastDesired, s.KeptManual, s.KeptUntil, s.LastError = want, false, time.Time{}, ""
		})
		return p.rep, true
	}
	// Do not ask again until desired changes, or the kept presence's own
	// until passes (then it has lapsed and may be replaced).
	if st.KeptManual && st.LastDesired.Equal(want) && (st.KeptUntil.IsZero() || p.now.Before(st.KeptUntil)) {
		p.rep.Action = ActionKeptManual
		return p.rep, true
	}
	return UserReport{}, false
}

// readAndWrite is step 2: read the presence, then keep it or write over it
// with If-Match; a 412 (someone changed it in between) earns one more round.
func (p *userPass) readAndWrite(ctx context.Context, st UserState, dec rules.Decision, want Desired) UserReport {
	noteText := note(dec, want, p.now, p.e.loc)
	for round := 1; ; round++ {
		p.cnt.reads.Add(1)
		cur, etag, err := p.e.onecloud.GetPresence(ctx, p.id)
		if err != nil {
			p.cnt.trip(err)
			return p.fail(err, &want)
		}
		if want.satisfiedBy(cur.Activity, cur.Role, cur.Until) {
			return p.alreadyRight(cur, want)
		}
		reason := p.e.overwriteReason(cur, st, p.now)
		if reason == "" {
			return p.keptByHand(cur, want)
		}
		put := onecloud.Presence{Activity: want.Activity, Role: want.Role, Note: noteText, Until: want.Until}
		if put.Role == "" {
			put.Role = cur.Role // the rule leaves the role as it is
		}
		if p.dryRun {
			p.rep.Action = ActionWouldSet
			return p.rep
		}
		rep, again := p.write(ctx, put, etag, dec.Rule, reason, want, round)
		if !again {
			return rep
		}
	}
}

// alreadyRight records that OneCloud already shows the desired presence.
func (p *userPass) alreadyRight(cur onecloud.Presence, want Desired) UserReport {
	p.rep.Action = ActionUnchanged
	p.record(func(s *UserState) {
		s.Applied, s.Attempted = appliedFrom(cur, p.now), AppliedPresence{}
		s.LastDesired, s.KeptManual, s.KeptUntil, s.LastAction, s.LastError = want, false, time.Time{}, ActionUnchanged, ""
	})
	return p.rep
}

// keptByHand records that a person set the presence and it is kept.
func (p *userPass) keptByHand(cur onecloud.Presence, want Desired) UserReport {
	p.rep.Action = ActionKeptManual
	p.e.log.Info("presence set by hand; kept", "user", p.id, "current", cur.Activity, "desired", want.Activity)
	p.record(func(s *UserState) {
		// Nothing of ours is in place any more.
		s.Applied, s.Attempted = AppliedPresence{}, AppliedPresence{}
		s.LastDesired, s.KeptManual, s.LastAction, s.LastError = want, true, ActionKeptManual, ""
		s.KeptUntil = time.Time{}
		if !cur.Until.IsZero() {
			s.KeptUntil = cur.Until.UTC().Truncate(time.Second)
		}
	})
	return p.rep
}

// write puts the presence with If-Match etag; again reports a first 412,
// after which the caller reads the presence once more.
func (p *userPass) write(ctx context.Context, put onecloud.Presence, etag string, rule int, reason string, want Desired, round int) (rep UserReport, again bool) {
	p.cnt.writes.Add(1)
	_, _, err := p.e.onecloud.PutPresence(ctx, p.id, put, etag)
	switch {
	case err == nil:
		p.rep.Action = ActionSet
		p.e.log.Info("presence set", "user", p.id, "activity", put.Activity, "role", put.Role,
			"until", untilText(put.Until), "rule", rule, "replaced", reason)
		p.record(func(s *UserState) {
			// What we sent, not the echo: comparisons stay stable even if
			// the server words the answer differently.
			s.Applied, s.Attempted = appliedFrom(put, p.now), AppliedPresence{}
			s.LastDesired, s.KeptManual, s.KeptUntil, s.LastAction, s.LastError = want, false, time.Time{}, ActionSet, ""
		})
		return p.rep, false
	case errors.Is(err, onecloud.ErrPreconditionFailed) && round == 1:
		p.e.log.Info("presence changed while being updated; reading it again", "user", p.id)
		return UserReport{}, true
	case errors.Is(err, onecloud.ErrPreconditionFailed):
		return p.fail(fmt.Errorf("presence of %s changed again while being updated; not overwritten, will try again at the next cycle: %w", p.id, err), &want), false
	}
	// The write may or may not have landed: remember it, so that finding
	// it later counts as ours.
	p.record(func(s *UserState) { s.Attempted = appliedFrom(put, p.now) })
	p.cnt.trip(err)
	return p.fail(err, &want), false
}
