package app

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/calsync/calsync/sync/config"
	"github.com/calsync/calsync/sync/localapi"
)

// wizardTab builds the first-run wizard that follows the set-up
// guide: the Microsoft 365 steps with copyable PowerShell, the connector
// form, Test connection, and a pointer to the users. Finish calls onDone.
func wizardTab(w fyne.Window, b localapi.Backend, ed *configEditor, onDone func()) fyne.CanvasObject {
	return newFirstRunWizard(w, b, ed, onDone, connectorHooks{}).content
}

// The wizard's steps, in order.
const (
	wizardStepMicrosoft = iota
	wizardStepOneCloud
	wizardStepConnector
	wizardStepTest
	wizardStepUsers
	wizardStepCount
)

// firstRunWizard keeps the widgets tests need; its state is touched only on
// the UI goroutine.
type firstRunWizard struct {
	ed     *configEditor
	onDone func()
	conn   *connectorScreen

	index  int
	titles [wizardStepCount]string
	pages  [wizardStepCount]fyne.CanvasObject

	title      *widget.Label
	body       *fyne.Container
	back, next *widget.Button
	nextErr    *widget.Label

	reviewerScript, policyScript *widget.Label
	reviewerCopy, policyCopy     *widget.Button

	content fyne.CanvasObject
}

func newFirstRunWizard(w fyne.Window, b localapi.Backend, ed *configEditor, onDone func(), hooks connectorHooks) *firstRunWizard {
	z := &firstRunWizard{ed: ed, onDone: onDone}
	z.conn = newConnectorScreen(w, b, ed, hooks)

	z.reviewerScript, z.reviewerCopy = wizardScriptBlock()
	z.policyScript, z.policyCopy = wizardScriptBlock()
	z.showScripts()
	ed.OnChange(func(*config.Config) { fyne.Do(z.showScripts) })

	z.titles = [wizardStepCount]string{
		lang.L("Prepare Microsoft 365"),
		lang.L("Prepare OneCloud"),
		lang.L("Connector"),
		lang.L("Test connection"),
		lang.L("Users"),
	}
	z.pages = [wizardStepCount]fyne.CanvasObject{
		z.microsoftPage(),
		oneCloudPage(),
		container.NewVScroll(z.conn.form),
		container.NewVScroll(container.NewVBox(
			wizardText(lang.L("Test connection checks the configuration, the client secret, the Entra ID token, the calendars and OneCloud, and says what to do for each step that fails.")),
			z.conn.test,
		)),
		container.NewVScroll(container.NewVBox(
			wizardText(lang.L("Last step: choose whom to synchronize. After Finish, open the Users tab, tick Enabled for each OneCloud user whose presence should follow their calendar, check their mailbox and press Save.")),
			wizardText(lang.L("Then the Rules tab says which calendar events set which presence.")),
		)),
	}

	z.title = widget.NewLabel("")
	z.title.TextStyle = fyne.TextStyle{Bold: true}
	z.body = container.NewStack()
	z.back = widget.NewButtonWithIcon(lang.L("Back"), theme.NavigateBackIcon(), z.goBack)
	z.next = widget.NewButtonWithIcon(lang.L("Next"), theme.NavigateNextIcon(), z.goNext)
	z.next.IconPlacement = widget.ButtonIconTrailingText
	z.next.Importance = widget.HighImportance
	z.nextErr = connectorWrapLabel("")
	z.nextErr.Importance = widget.DangerImportance
	z.nextErr.Hide()

	z.content = container.NewBorder(
		z.title,
		container.NewVBox(z.nextErr, container.NewHBox(layout.NewSpacer(), z.back, z.next)),
		nil, nil, z.body)
	z.conn.root = z.content
	z.show(wizardStepMicrosoft)
	z.conn.refreshSecrets()
	return z
}

func wizardText(text string) *widget.Label {
	return connectorWrapLabel(text)
}

// wizardScriptBlock is a PowerShell block and its Copy button. It is a
// selectable monospace label, not a disabled entry: the admin must read every
// character, and a disabled entry greys its text out.
func wizardScriptBlock() (*widget.Label, *widget.Button) {
	l := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	l.Selectable = true
	copyButton := widget.NewButtonWithIcon(lang.L("Copy"), theme.ContentCopyIcon(), func() {
		// The app's clipboard: Window.Clipboard is deprecated since Fyne 2.6.
		fyne.CurrentApp().Clipboard().SetContent(l.Text)
	})
	return l, copyButton
}

func (z *firstRunWizard) microsoftPage() fyne.CanvasObject {
	script := func(l *widget.Label, b *widget.Button) fyne.CanvasObject {
		// A code box: the input background behind a horizontal scroll, so a
		// long line scrolls instead of widening the window.
		box := canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))
		box.CornerRadius = theme.InputRadiusSize()
		return container.NewBorder(nil, nil, nil, container.NewVBox(b),
			container.NewStack(box, container.NewHScroll(l)))
	}
	return container.NewVScroll(container.NewVBox(
		wizardText(lang.L("calsync reads calendars the way OneCloud's own connector does: as a synchronization (monitor) user with Reviewer rights on everyone's calendar, through an Entra app with the Calendars.Read application permission. Do these steps once, as the tenant administrator.")),
		wizardText(lang.L("1. Create the monitor user with a mailbox, e.g. monitor@contoso.com (an Exchange Online Plan 1 licence is enough).")),
		wizardText(lang.L("2. Give it Reviewer rights on every calendar (Exchange Online PowerShell, EXO V2 or later):")),
		script(z.reviewerScript, z.reviewerCopy),
		wizardText(lang.L("In a localized Exchange the folder has another name (Italian: :\\Calendario). Without this step calsync still sees free/busy, but no subjects or locations, so subject and location rules never match.")),
		wizardText(lang.L("3. Register the app in Entra (entra.microsoft.com) > App registrations > New registration. Note the Application (client) ID and the Directory (tenant) ID.")),
		wizardText(lang.L("4. Create a client secret: Certificates & secrets > New client secret. Copy its Value (not the Secret ID): it is shown only once. Note its expiry date.")),
		wizardText(lang.L("Recommended instead of a secret: choose Certificate on the next page and create it there; then upload calsync-graph.cer under Certificates & secrets > Certificates > Upload certificate. Its private key never leaves the service's keychain, and it lasts up to 3 years.")),
		wizardText(lang.L("5. Grant the permission: API permissions > Add a permission > Microsoft Graph > Application permissions > Calendars.Read, then Grant admin consent.")),
		wizardText(lang.L("Optional, only for rules of type teams (busy on the phone while in a Teams call): add Presence.Read.All and User.Read.All the same way, then Grant admin consent. Without them the calendar rules decide alone.")),
		wizardText(lang.L("6. Optional, least privilege: limit the app to the people calsync serves with an application access policy, so it cannot read any other mailbox. Add the monitor user and every synchronized user to a mail-enabled security group, then:")),
		script(z.policyScript, z.policyCopy),
	))
}

// oneCloudPage says how to get the OneCloud API ticket whose token (and expiry date) the next
// page stores: Setera's External API authorization and Tickets (docs/onecloud-api.md).
func oneCloudPage() fyne.CanvasObject {
	return container.NewVScroll(container.NewVBox(
		wizardText(lang.L("calsync writes presence to OneCloud with the token of an API ticket. Do these steps in the OneCloud portal.")),
		wizardText(lang.L("1. Allow the API, as an administrator in the admin view: Services > External API authorization. Allow it for the organisation, a user group, or the user whose ticket calsync will use.")),
		wizardText(lang.L("2. Choose the APIs calsync needs: reading users and groups, setting presence (activity and role), and the phonebook if you will sync contacts.")),
		wizardText(lang.L("3. Create the ticket, as that user in the user view: Home > Tickets. Give it a name (e.g. calsync), grant the same APIs and create it; it appears under Granted tickets.")),
		wizardText(lang.L("4. Copy the ticket's token and note its expiry date: a ticket lasts 365 days. On the next page paste the token under OneCloud API token, with that date. calsync warns 30, 7 and 1 days before it expires; then create a new ticket the same way and paste its token.")),
		wizardText(lang.L("If a proxy on your network blocks PUT or DELETE requests, set onecloud.methodOverride to true in the configuration: calsync then sends them as POST with X-HTTP-Method-Override.")),
	))
}

// showScripts fills the PowerShell with what the draft already knows (the
// monitor mailbox, the client id), so the admin copies it ready to run.
func (z *firstRunWizard) showScripts() {
	reviewer, policy := wizardScripts(z.ed.Draft().Connector)
	z.reviewerScript.SetText(reviewer)
	z.policyScript.SetText(policy)
}

// wizardScripts returns the guide's two PowerShell blocks (README.md,
// "Setting up Microsoft 365"), with the connector's monitor mailbox, client
// id and mail domain where they are known and the guide's examples where not.
func wizardScripts(k config.Connector) (reviewer, policy string) {
	monitor, monitorAddr := "monitor", "monitor@contoso.com"
	group := "calsync-users@contoso.com"
	if k.SyncUser != "" {
		monitor, monitorAddr = k.SyncUser, k.SyncUser
		if at := strings.LastIndexByte(k.SyncUser, '@'); at > 0 && at < len(k.SyncUser)-1 {
			group = "calsync-users@" + k.SyncUser[at+1:]
		}
	}
	appID := "<Application (client) ID>"
	if k.ClientID != "" {
		appID = k.ClientID
	}
	reviewer = fmt.Sprintf(`Connect-ExchangeOnline
$User = Get-Mailbox %s
$Mailboxes = Get-Mailbox -ResultSize Unlimited
$Mailboxes | ForEach-Object {
  Add-MailboxFolderPermission -Identity "$($_.PrimarySmtpAddress):\Calendar" `+"`"+`
    -User $User.Identity -AccessRights Reviewer
}`, monitor)
	policy = fmt.Sprintf(`New-DistributionGroup -Name "calsync-users" -Type Security
# add the monitor user and every synchronized user to the group, then:
New-ApplicationAccessPolicy -AppId %[1]s `+"`"+`
  -PolicyScopeGroupId %[2]s -AccessRight RestrictAccess `+"`"+`
  -Description "calsync reads only these calendars"
Test-ApplicationAccessPolicy -AppId %[1]s -Identity %[3]s`, appID, group, monitorAddr)
	return reviewer, policy
}

// show switches to step i.
func (z *firstRunWizard) show(i int) {
	z.index = i
	z.title.SetText(fmt.Sprintf(lang.L("Step %d of %d: %s"), i+1, wizardStepCount, z.titles[i]))
	z.body.Objects = []fyne.CanvasObject{z.pages[i]}
	z.body.Refresh()
	z.nextErr.Hide()
	if i == 0 {
		z.back.Disable()
	} else {
		z.back.Enable()
	}
	if i == wizardStepCount-1 {
		z.next.SetText(lang.L("Finish"))
		z.next.SetIcon(theme.ConfirmIcon())
	} else {
		z.next.SetText(lang.L("Next"))
		z.next.SetIcon(theme.NavigateNextIcon())
	}
}

func (z *firstRunWizard) goBack() {
	if z.index > 0 {
		z.show(z.index - 1)
	}
}

// goNext moves on; leaving the connector form saves it first, since the
// connection test runs on the saved configuration. A failed save stays on
// the form with the service's messages beside the fields.
func (z *firstRunWizard) goNext() {
	switch {
	case z.index == wizardStepCount-1:
		if z.onDone != nil {
			z.onDone()
		}
	case z.index == wizardStepConnector && z.ed.Dirty():
		z.next.Disable()
		z.conn.saveThen(func(err error) {
			z.next.Enable()
			if err != nil {
				z.nextErr.SetText(lang.L("Correct the connector settings before going on."))
				if needsAdminRights(err) {
					z.nextErr.SetText(adminRightsMessage()) // the form's notice offers the restart
				}
				z.nextErr.Show()
				z.content.Refresh()
				return
			}
			if z.index == wizardStepConnector {
				z.show(wizardStepTest)
			}
		})
	default:
		z.show(z.index + 1)
	}
}
