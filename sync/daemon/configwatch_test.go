package daemon

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/calsync/calsync/sync/localapi"
)

// An edit of config.json made outside the local API (an editor, a copy)
// restarts the sync with it; an invalid edit is reported once and leaves the
// running sync and the file as they are; touching the file restarts nothing.
func TestConfigFileEditedOnDisk(t *testing.T) {
	o := newOffice(t)
	o.configCheck = 20 * time.Millisecond
	o.writeConfig(o.config())
	o.start()
	o.waitStatus("the first poll", firstPollDone)
	events := o.events()

	// Enabling elena by hand: her out-of-office reaches OneCloud.
	edited := o.config()
	edited.Users[5].Enabled = true
	o.writeConfig(edited)
	o.waitStatus("elena synced after the edit on disk", func(st localapi.Status) bool {
		return firstPollDone(st) && userRow(st, "1005").Current.Activity == "vacation"
	})
	if n := strings.Count(o.logs.String(), "changed on disk; restarting"); n != 1 {
		t.Errorf("restarts for the edit = %d, want 1", n)
	}

	// A broken edit: reported with what is wrong, the sync goes on.
	broken := []byte(`{"version": 1, "sync": {"interval": "5s"`)
	// Written whole at once (temp file, rename): a check that read it half-written would see a
	// second, different broken file and rightly report it too.
	tmp := o.cfgPath + ".tmp"
	if err := os.WriteFile(tmp, broken, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, o.cfgPath); err != nil {
		t.Fatal(err)
	}
	ev := waitEvent(t, events, "the broken edit reported", func(ev localapi.Event) bool {
		return ev.Type == localapi.EventError && strings.Contains(ev.Message, "changed on disk but is not valid")
	})
	if !strings.Contains(ev.Message, "previous configuration") {
		t.Errorf("error event = %q", ev.Message)
	}
	st := o.waitStatus("still syncing", func(st localapi.Status) bool { return firstPollDone(st) })
	if st.State == localapi.StateError || len(st.Users) != 6 {
		t.Errorf("after a broken edit: state %s, %d users; want the previous sync going on", st.State, len(st.Users))
	}
	// Reported once, however many checks see it.
	time.Sleep(10 * o.configCheck)
	if n := strings.Count(o.logs.String(), "changed on disk but not valid"); n != 1 {
		t.Errorf("the broken edit was reported %d times, want 1", n)
	}
	if got, _ := os.ReadFile(o.cfgPath); string(got) != string(broken) {
		t.Error("the broken file was changed: the admin's typing must stay")
	}

	// Mended, then touched without a change: one restart for the mend only.
	o.writeConfig(o.config())
	o.waitStatus("elena no longer synced after the mend", func(st localapi.Status) bool { return len(st.Users) == 5 })
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(o.cfgPath, later, later); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * o.configCheck)
	if n := strings.Count(o.logs.String(), "changed on disk; restarting"); n != 2 {
		t.Errorf("restarts = %d, want 2 (the edit and the mend, not the touch)", n)
	}
}
