package app

import (
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// rulesOption is one choice of a rulesChoice: what it shows and the id it
// stands for.
type rulesOption struct{ label, value string }

// rulesChoice is a select over OneCloud's ids when the directory is known,
// and a plain entry for the id when it is not.
type rulesChoice struct {
	box      *fyne.Container
	sel      *widget.Select
	entry    *widget.Entry
	opts     []rulesOption
	value    string
	quiet    bool
	onChange func(string)
}

func newRulesChoice(placeholder string, onChange func(string)) *rulesChoice {
	c := &rulesChoice{onChange: onChange}
	c.sel = widget.NewSelect(nil, func(label string) {
		if c.quiet {
			return
		}
		for _, o := range c.opts {
			if o.label == label {
				c.value = o.value
			}
		}
		c.onChange(c.value)
	})
	c.entry = widget.NewEntry()
	c.entry.SetPlaceHolder(placeholder)
	c.entry.OnChanged = func(text string) {
		if c.quiet {
			return
		}
		c.value = text
		c.onChange(text)
	}
	c.box = container.NewStack(c.entry)
	return c
}

// setOptions switches to a select of opts, or back to an entry when opts is
// nil, keeping the value.
func (c *rulesChoice) setOptions(opts []rulesOption) {
	c.opts = slices.Clone(opts)
	if opts == nil {
		c.box.Objects = []fyne.CanvasObject{c.entry}
	} else {
		c.box.Objects = []fyne.CanvasObject{c.sel}
	}
	c.box.Refresh()
	c.SetValue(c.value)
}

// Value is the id chosen or typed.
func (c *rulesChoice) Value() string { return c.value }

// SetValue shows v without calling onChange. A value the directory does not
// know is added as its own option, so editing never drops it.
func (c *rulesChoice) SetValue(v string) {
	c.value = v
	c.quiet = true
	defer func() { c.quiet = false }()
	if c.opts == nil {
		if c.entry.Text != v {
			c.entry.SetText(v)
		}
		return
	}
	label := ""
	found := false
	for _, o := range c.opts {
		if o.value == v {
			label, found = o.label, true
			break
		}
	}
	if !found && v != "" {
		label = v
		c.opts = append(c.opts, rulesOption{label: v, value: v})
		found = true
	}
	labels := make([]string, len(c.opts))
	for i, o := range c.opts {
		labels[i] = o.label
	}
	c.sel.SetOptions(labels)
	if found {
		c.sel.SetSelected(label)
	} else {
		c.sel.ClearSelected()
	}
}
