package contacts

import (
	"github.com/calsync/calsync/sync/onecloud"
)

// opKind is what one planned write does.
type opKind int

const (
	opCreate opKind = iota
	opUpdate
	opDelete
)

// op is one planned write to a phonebook.
type op struct {
	kind       opKind
	externalID string
	entry      onecloud.PhonebookContact // create and update: what to write (update: with the ID)
	id, etag   string                    // update and delete: the entry and the If-Match
}

// plan is what one phonebook needs: the writes, and what they leave as it is.
type plan struct {
	ops        []op
	unchanged  int
	keptEdited int
	// newlyEdited are the entries found edited in OneCloud this time, to report once.
	newlyEdited []string
	skipped     []Skip
	// next is the state to remember once every op has succeeded; apply corrects it per op.
	next map[string]EntryState
}

// makePlan compares the entries wanted (from Exchange, by contact id) with the phonebook as it
// is and with what calsync remembers writing. The rules, in order:
//   - an entry whose source is not calsync is never touched;
//   - an entry calsync wrote whose ETag has changed, or that is gone, was edited by a person:
//     it is kept as it is, and never written again while its contact exists;
//   - with no record, an entry calsync made with the contact's id is adopted;
//   - a contact no longer in Exchange has its entry deleted, unless it was edited;
//   - an entry that already says what the contact says costs no write.
func makePlan(want []onecloud.PhonebookContact, current []onecloud.PhonebookContact, remembered map[string]EntryState) plan {
	p := plan{next: map[string]EntryState{}}
	byID := make(map[string]onecloud.PhonebookContact, len(current))
	ours := map[string]onecloud.PhonebookContact{} // calsync's entries by externalId
	others := map[string]bool{}                    // externalIds on entries of others
	for _, c := range current {
		byID[c.ID] = c
		switch {
		case c.Source != onecloud.ContactSourceCalsync:
			if c.ExternalID != "" {
				others[c.ExternalID] = true
			}
		case c.ExternalID != "":
			if _, dup := ours[c.ExternalID]; !dup {
				ours[c.ExternalID] = c
			}
		}
	}
	wanted := make(map[string]bool, len(want))
	for _, w := range want {
		ext := w.ExternalID
		wanted[ext] = true
		rec, known := remembered[ext]
		switch {
		case known && rec.Edited:
			p.keptEdited++
			p.next[ext] = rec
		case known:
			cur, exists := byID[rec.ID]
			if !exists || cur.Source != onecloud.ContactSourceCalsync || cur.ETag != rec.ETag {
				p.keptEdited++
				p.newlyEdited = append(p.newlyEdited, w.Name)
				p.next[ext] = EntryState{ID: rec.ID, ETag: cur.ETag, Edited: true}
				continue
			}
			p.next[ext] = rec
			p.updateIfDifferent(ext, w, cur, rec.ETag)
		case ours[ext].ID != "":
			cur := ours[ext]
			p.next[ext] = EntryState{ID: cur.ID, ETag: cur.ETag}
			p.updateIfDifferent(ext, w, cur, cur.ETag)
		case others[ext]:
			p.skipped = append(p.skipped, Skip{Contact: w.Name, Reason: "an entry made in OneCloud has this contact's id; left as it is"})
		default:
			p.ops = append(p.ops, op{kind: opCreate, externalID: ext, entry: w})
		}
	}
	for ext, rec := range remembered {
		if wanted[ext] {
			continue
		}
		cur, exists := byID[rec.ID]
		switch {
		case !exists || rec.Edited:
			// Gone already, or a person's now: nothing to do, nothing left to remember.
		case cur.Source != onecloud.ContactSourceCalsync || cur.ETag != rec.ETag:
			p.keptEdited++
			p.newlyEdited = append(p.newlyEdited, cur.Name)
		default:
			p.ops = append(p.ops, op{kind: opDelete, externalID: ext, id: rec.ID, etag: rec.ETag})
		}
	}
	return p
}

// updateIfDifferent plans an update of cur to w unless cur already says the same.
func (p *plan) updateIfDifferent(ext string, w, cur onecloud.PhonebookContact, etag string) {
	if sameEntry(w, cur) {
		p.unchanged++
		return
	}
	w.ID = cur.ID
	p.ops = append(p.ops, op{kind: opUpdate, externalID: ext, entry: w, id: cur.ID, etag: etag})
}
