// Command office runs the demo office's emulators (Entra ID / Microsoft Graph and OneCloud) on
// 127.0.0.1 for .ci/wine-test.sh, which points the calsync service running under Wine at them.
// Test-only: nothing in cmd/, app/ or sync/ imports it, and no package ships it.
//
// It writes into -dir: config.json (the office's configuration, pointing at the emulators),
// graph.secret and onecloud.secret (the emulators' own demo credentials, to set with
// `calsync secret set`), and every second presence.txt ("<OneCloud id> <activity>" per user, what
// the OneCloud emulator holds) and writes.txt (how many presence writes it accepted). It prints
// "ready" once they exist and runs until it is interrupted or its standard input closes.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/calsync/calsync/sync/demo"
	"github.com/calsync/calsync/sync/secrets"
)

func main() {
	dir := flag.String("dir", "", "directory for config.json, the secrets and the presence snapshots (required)")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "office: -dir is required")
		os.Exit(2)
	}
	if err := run(*dir); err != nil {
		fmt.Fprintf(os.Stderr, "office: %v\n", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// The harness holds standard input open; its end (the harness exited) ends the office.
		_, _ = io.Copy(io.Discard, os.Stdin)
		stop()
	}()
	office, err := demo.NewOfficeIn(ctx, time.Now(), dir)
	if err != nil {
		return err
	}
	defer office.Close()
	for name, file := range map[secrets.Name]string{secrets.Graph: "graph.secret", secrets.OneCloud: "onecloud.secret"} {
		v, _, err := office.Secrets.Get(ctx, name)
		if err != nil {
			return fmt.Errorf("read the demo %s secret: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, file), []byte(v), 0o600); err != nil {
			return fmt.Errorf("write %s: %w", file, err)
		}
	}
	if err := snapshot(dir, office); err != nil {
		return err
	}
	fmt.Println("ready")
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			if err := snapshot(dir, office); err != nil {
				return err
			}
		}
	}
}

// snapshot writes presence.txt and writes.txt, each replaced atomically so the harness never
// reads half a file.
func snapshot(dir string, office *demo.Office) error {
	var b strings.Builder
	for _, p := range office.People {
		pr, _ := office.OneCloud.Presence(p.ID)
		fmt.Fprintf(&b, "%s %s\n", p.ID, pr.Activity)
	}
	if err := replace(filepath.Join(dir, "presence.txt"), b.String()); err != nil {
		return err
	}
	return replace(filepath.Join(dir, "writes.txt"), fmt.Sprintf("%d\n", len(office.OneCloud.Writes())))
}

func replace(path, content string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("replace %s: %w", path, err)
	}
	return nil
}
