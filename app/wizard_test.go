package app

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/localapi"
)

func newWizardTestWizard(t *testing.T, f *fakeConnectorBackend, onDone func()) (*firstRunWizard, *configEditor, connectorWaits) {
	t.Helper()
	test.NewTempApp(t)
	ed := connectorTestEditor(t, f)
	waits, hooks := newConnectorWaits()
	w := test.NewTempWindow(t, widget.NewLabel(""))
	z := newFirstRunWizard(w, f, ed, onDone, hooks)
	<-waits.secretsShown // before layout: see newConnectorTestScreen
	w.SetContent(z.content)
	w.Resize(fyne.NewSize(900, 800))
	return z, ed, waits
}

// wizardShowing reports whether the wizard's body shows page.
func wizardShowing(z *firstRunWizard, page int) bool {
	return len(z.body.Objects) == 1 && z.body.Objects[0] == z.pages[page]
}

func TestWizardNavigation(t *testing.T) {
	done := 0
	f := &fakeConnectorBackend{}
	z, ed, waits := newWizardTestWizard(t, f, func() { done++ })

	if !wizardShowing(z, wizardStepMicrosoft) || z.title.Text != "Step 1 of 5: Prepare Microsoft 365" {
		t.Fatalf("start: title %q", z.title.Text)
	}
	if !z.back.Disabled() || z.next.Text != "Next" {
		t.Errorf("step 1: back disabled %v, next %q", z.back.Disabled(), z.next.Text)
	}

	test.Tap(z.next)
	if !wizardShowing(z, wizardStepOneCloud) || z.title.Text != "Step 2 of 5: Prepare OneCloud" || z.back.Disabled() {
		t.Fatalf("after Next: title %q", z.title.Text)
	}
	test.Tap(z.next)
	if !wizardShowing(z, wizardStepConnector) || z.title.Text != "Step 3 of 5: Connector" || z.back.Disabled() {
		t.Fatalf("after Next: title %q", z.title.Text)
	}
	test.Tap(z.back)
	test.Tap(z.back)
	if !wizardShowing(z, wizardStepMicrosoft) {
		t.Fatalf("Back did not return to step 1: %q", z.title.Text)
	}
	test.Tap(z.next)
	test.Tap(z.next)

	// Leaving the edited connector form saves it; a refused save stays.
	f.mu.Lock()
	f.putErr = &localapi.ValidationError{Fields: []localapi.FieldError{{Field: "connector.clientId", Message: "unknown application"}}}
	f.mu.Unlock()
	connectorSetText(z.conn.field("connector.name").entry, "Wizard connector")
	test.Tap(z.next)
	if err := <-waits.saved; err == nil {
		t.Fatal("save succeeded")
	}
	if !wizardShowing(z, wizardStepConnector) || !z.nextErr.Visible() {
		t.Fatalf("a refused save moved on to %q", z.title.Text)
	}
	if got := z.conn.field("connector.clientId").errLabel.Text; got != "unknown application" {
		t.Errorf("client id message %q", got)
	}

	f.mu.Lock()
	f.putErr = nil
	f.mu.Unlock()
	test.Tap(z.next)
	if err := <-waits.saved; err != nil {
		t.Fatal(err)
	}
	if !wizardShowing(z, wizardStepTest) || z.nextErr.Visible() {
		t.Fatalf("after a good save: %q", z.title.Text)
	}
	if saved, err := config.Decode(f.config); err != nil || saved.Connector.Name != "Wizard connector" {
		t.Errorf("service has %+v, %v", saved, err)
	}
	if ed.Dirty() {
		t.Error("draft still dirty after the wizard saved it")
	}

	test.Tap(z.next)
	if !wizardShowing(z, wizardStepUsers) || z.next.Text != "Finish" {
		t.Fatalf("last step: title %q, next %q", z.title.Text, z.next.Text)
	}
	if done != 0 {
		t.Fatal("onDone before Finish")
	}
	test.Tap(z.next)
	if done != 1 {
		t.Errorf("Finish called onDone %d times", done)
	}
}

func TestWizardTestConnectionStep(t *testing.T) {
	f := &fakeConnectorBackend{steps: []localapi.CheckStep{{Name: "Configuration is valid", OK: true}}}
	z, _, waits := newWizardTestWizard(t, f, nil)
	z.show(wizardStepTest)
	test.Tap(z.conn.testButton)
	<-waits.tested
	if len(z.conn.testRows) != 1 {
		t.Errorf("%d steps shown", len(z.conn.testRows))
	}
}

func TestWizardCopyButtons(t *testing.T) {
	z, _, _ := newWizardTestWizard(t, &fakeConnectorBackend{}, nil)
	clip := fyne.CurrentApp().Clipboard()

	test.Tap(z.reviewerCopy)
	got := clip.Content()
	if got != z.reviewerScript.Text || !strings.Contains(got, "-AccessRights Reviewer") ||
		!strings.Contains(got, "Get-Mailbox monitor@contoso.com") {
		t.Errorf("reviewer copy put %q", got)
	}

	test.Tap(z.policyCopy)
	got = clip.Content()
	for _, want := range []string{
		"New-ApplicationAccessPolicy -AppId 66666666-7777-8888-9999-000000000000 `",
		"-PolicyScopeGroupId calsync-users@contoso.com -AccessRight RestrictAccess",
		"Test-ApplicationAccessPolicy -AppId 66666666-7777-8888-9999-000000000000 -Identity monitor@contoso.com",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("policy copy lacks %q:\n%s", want, got)
		}
	}
	if !z.policyScript.Selectable || !z.reviewerScript.Selectable {
		t.Error("the PowerShell blocks cannot be selected")
	}

	// The scripts follow the connector as it is edited.
	z.show(wizardStepConnector)
	connectorSetText(z.conn.field("connector.syncUser").entry, "sync@fabrikam.it")
	if !strings.Contains(z.policyScript.Text, "-PolicyScopeGroupId calsync-users@fabrikam.it") ||
		!strings.Contains(z.reviewerScript.Text, "Get-Mailbox sync@fabrikam.it") {
		t.Errorf("scripts did not follow the sync user:\n%s\n%s", z.reviewerScript.Text, z.policyScript.Text)
	}
}

func TestWizardScripts(t *testing.T) {
	tests := []struct {
		name         string
		k            config.Connector
		wantReviewer []string
		wantPolicy   []string
	}{
		{
			name: "nothing known yet: the guide's examples",
			wantReviewer: []string{
				"Connect-ExchangeOnline\n$User = Get-Mailbox monitor\n",
				`Add-MailboxFolderPermission -Identity "$($_.PrimarySmtpAddress):\Calendar" ` + "`\n" +
					"    -User $User.Identity -AccessRights Reviewer",
			},
			wantPolicy: []string{
				`New-DistributionGroup -Name "calsync-users" -Type Security`,
				"New-ApplicationAccessPolicy -AppId <Application (client) ID> `\n" +
					"  -PolicyScopeGroupId calsync-users@contoso.com -AccessRight RestrictAccess `\n" +
					`  -Description "calsync reads only these calendars"`,
				"Test-ApplicationAccessPolicy -AppId <Application (client) ID> -Identity monitor@contoso.com",
			},
		},
		{
			name:         "connector filled in",
			k:            config.Connector{SyncUser: "monitor@acme.example", ClientID: "abc"},
			wantReviewer: []string{"$User = Get-Mailbox monitor@acme.example\n"},
			wantPolicy: []string{
				"-AppId abc `", "-PolicyScopeGroupId calsync-users@acme.example ",
				"-Identity monitor@acme.example",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reviewer, policy := wizardScripts(tt.k)
			for _, want := range tt.wantReviewer {
				if !strings.Contains(reviewer, want) {
					t.Errorf("reviewer script lacks %q:\n%s", want, reviewer)
				}
			}
			for _, want := range tt.wantPolicy {
				if !strings.Contains(policy, want) {
					t.Errorf("policy script lacks %q:\n%s", want, policy)
				}
			}
		})
	}
}

// TestWizardOneCloudStep: the OneCloud step says how to allow the API and
// create the ticket, which APIs to grant and that it lasts a year, in
// English and in Italian; the connector page after it takes the token with
// the ticket's expiry date.
func TestWizardOneCloudStep(t *testing.T) {
	f := &fakeConnectorBackend{}
	z, _, _ := newWizardTestWizard(t, f, nil)
	z.show(wizardStepOneCloud)
	text := strings.Join(wizardTexts(z.pages[wizardStepOneCloud]), "\n")
	for _, want := range []string{"Services > External API authorization", "Home > Tickets",
		"reading users and groups, setting presence (activity and role)", "a ticket lasts 365 days", "30, 7 and 1 days"} {
		if !strings.Contains(text, want) {
			t.Errorf("the OneCloud step lacks %q:\n%s", want, text)
		}
	}
	z.show(wizardStepConnector)
	if !z.conn.onecloud.expires.Visible() || !z.conn.onecloud.expiresLabel.Visible() {
		t.Error("the connector page does not ask for the ticket's expiry date")
	}

	it := oneCloudPageIn(t, "it")
	for _, want := range []string{"Services > External API authorization", "Home > Tickets", "un ticket dura 365 giorni"} {
		if !strings.Contains(it, want) {
			t.Errorf("the Italian OneCloud step lacks %q:\n%s", want, it)
		}
	}
}

// wizardTexts lists the label texts under o.
func wizardTexts(o fyne.CanvasObject) []string {
	var out []string
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *widget.Label:
			out = append(out, w.Text)
		case *container.Scroll:
			walk(w.Content)
		case *fyne.Container:
			for _, c := range w.Objects {
				walk(c)
			}
		}
	}
	walk(o)
	return out
}

// oneCloudPageIn builds the OneCloud step in language and returns its text.
func oneCloudPageIn(t *testing.T, language string) string {
	t.Helper()
	statusUseLanguage(t, language)
	return strings.Join(wizardTexts(oneCloudPage()), "\n")
}
