package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/calsync/calsync/sync/contacts"
	"github.com/calsync/calsync/sync/setup"
)

func contactsCommand() *command {
	return &command{
		name:  "contacts",
		short: "copy Exchange contacts into OneCloud phonebooks",
		subs: []*command{
			{
				name:  "sync",
				short: "run one contacts sync of every phonebook (--once) and exit",
				long: "Reads the contacts of each enabled user's mailbox (and of contacts.phonebookMailbox, for the\n" +
					"office phonebook) and writes them to OneCloud as phonebook entries. Only entries calsync\n" +
					"made are written; an entry a person made or edited in OneCloud is never changed or deleted.\n" +
					"--once is required: the service syncs contacts every contacts.interval.\n\n" +
					"--json prints exactly one JSON object on standard output (the report; see README). Exit\n" +
					"codes: 0 every phonebook synced, 2 configuration or missing secret, 3 some phonebooks failed,\n" +
					"4 nothing synced: signing in failed or a credential was refused (said once, with what to do).",
				flags: onceCommand{
					cmd:     "calsync contacts sync",
					once:    "run one contacts sync and exit (required)",
					dryRun:  "read both sides and report what would be written; write nothing",
					verbose: "log details to standard error (names mailboxes and contacts, never secrets)",
					without: "the service syncs contacts every contacts.interval (calsync service run, or calsync service install)",
					run:     runContactsOnce,
				}.flags,
			},
		},
	}
}

func runContactsOnce(ctx context.Context, e *env, g *globals, o syncOptions) error {
	cfg, path, err := loadValidConfig(g, e)
	if err != nil {
		return err
	}
	if !cfg.ContactsEnabled() {
		return usageErrorf("%s: contacts: contacts sync is off; add \"contacts\": {\"enabled\": true} (docs/config.md)", path)
	}
	if !o.dryRun {
		warnIfServiceRunning(ctx, e, path, "the same phonebooks")
	}
	opts := setup.Options{ConfigPath: path, Secrets: newSecretStore(e, path), Logger: stderrLogger(e, o.verbose)}
	parts, err := setup.Build(ctx, cfg, opts)
	if err != nil {
		return setupError(path, err)
	}
	rep := parts.Contacts.Run(ctx, contacts.Books(cfg), o.dryRun)
	stoppedAtOnce := rep.Error != "" && !slices.ContainsFunc(rep.Phonebooks,
		func(b contacts.BookReport) bool { return b.Error != contacts.ErrStopped })
	if o.json {
		data, err := json.Marshal(rep)
		if err != nil {
			return fmt.Errorf("encode the report: %w", err)
		}
		if _, err := fmt.Fprintf(e.stdout, "%s\n", data); err != nil {
			return fmt.Errorf("write the report: %w", err)
		}
	} else if !stoppedAtOnce {
		// A run stopped before any phonebook has nothing to show but its error.
		printContactsTable(e.stdout, rep, o.dryRun)
	}
	if rep.Error != "" {
		// Signing in failed, or a credential was refused: nothing more could be synced, as
		// for `sync --once` (4). Said once, with its remedy.
		return withCode(exitNoneSynced, fmt.Errorf("contacts sync stopped: %s", strings.Replace(rep.Error, " -> ", "\n  -> ", 1)))
	}
	if failed := rep.Failed(); failed > 0 {
		where := "the ERROR column"
		if o.json {
			where = "each phonebook's error field"
		}
		return withCode(exitSomeFailed, fmt.Errorf("%d of %s could not be synced; %s says why", failed, plural(len(rep.Phonebooks), "phonebook"), where))
	}
	return nil
}

// printContactsTable writes the human report: a row per phonebook, then the contacts skipped.
func printContactsTable(w io.Writer, rep contacts.Report, dryRun bool) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PHONEBOOK\tMAILBOX\tCREATED\tUPDATED\tDELETED\tUNCHANGED\tKEPT-EDITED\tSKIPPED\tERROR")
	var total [5]int
	for _, b := range rep.Phonebooks {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", b.Book, orDash(b.Mailbox), b.Created, b.Updated, b.Deleted,
			b.Unchanged, b.KeptEdited, len(b.Skipped), orDash(oneLine(b.Error)))
		for i, n := range [...]int{b.Created, b.Updated, b.Deleted, b.Unchanged, b.KeptEdited} {
			total[i] += n
		}
	}
	tw.Flush()
	var skipped []string
	for _, b := range rep.Phonebooks {
		for _, s := range b.Skipped {
			skipped = append(skipped, fmt.Sprintf("  %s: %s: %s", b.Book, s.Contact, s.Reason))
		}
	}
	if len(skipped) > 0 {
		fmt.Fprintf(w, "\nskipped:\n%s\n", strings.Join(skipped, "\n"))
	}
	verb := "created"
	if dryRun {
		verb = "to create"
	}
	fmt.Fprintf(w, "\n%s: %d %s, %d updated, %d deleted, %d unchanged, %d kept as edited in OneCloud, %d failed",
		plural(len(rep.Phonebooks), "phonebook"), total[0], verb, total[1], total[2], total[3], total[4], rep.Failed())
	if dryRun {
		fmt.Fprint(w, " (dry run: nothing written)")
	}
	fmt.Fprintln(w)
}
