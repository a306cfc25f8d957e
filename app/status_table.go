package app

import (
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// The users table shows every cell whole at the window's width: the admin opens the window to
// read a person's presence, so "meeting / office u..." is not an answer. Columns are as wide as
// their content when that fits; otherwise the widest give way, never below their heading or
// longest word, and their text wraps onto more lines in a taller row. Only when even that does
// not fit does the table scroll sideways.

// statusTableLayout fits the table's columns to the width it is given, then lets it fill it.
type statusTableLayout struct{ s *statusScreen }

func (l statusTableLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	l.s.fitTable(size.Width)
	for _, o := range objects {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

func (l statusTableLayout) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var m fyne.Size
	for _, o := range objects {
		m = m.Max(o.MinSize())
	}
	return m
}

// statusTableFit is what fitTable decided last: it is applied again only when it changes.
type statusTableFit struct {
	widths  []float32
	heights []float32
}

// fitTable sets the column widths and row heights for the cells the table shows now, at width;
// UI goroutine only. A width of zero (not laid out yet) is remembered and nothing is done.
func (s *statusScreen) fitTable(width float32) {
	if width > 0 {
		s.tableWidth = width
	}
	if s.tableWidth <= 0 {
		return
	}
	th := s.Theme()
	textSize := th.Size(theme.SizeNameText)
	pad := 2 * th.Size(theme.SizeNameInnerPadding)
	headers := statusColumns()
	rows := s.cellTexts()

	natural := make([]float32, len(headers))
	least := make([]float32, len(headers))
	for c, h := range headers {
		hw := fyne.MeasureText(h, textSize, fyne.TextStyle{Bold: true}).Width
		natural[c], least[c] = hw, hw
		for _, row := range rows {
			natural[c] = max(natural[c], fyne.MeasureText(row[c], textSize, fyne.TextStyle{}).Width)
			for _, word := range strings.Fields(row[c]) {
				least[c] = max(least[c], fyne.MeasureText(word, textSize, fyne.TextStyle{}).Width)
			}
		}
		natural[c] = ceilPx(natural[c] + pad)
		least[c] = ceilPx(least[c] + pad)
	}
	// The table puts a divider of one padding between columns.
	gaps := float32(len(headers)-1) * th.Size(theme.SizeNamePadding)
	widths := statusColumnFit(natural, least, s.tableWidth-gaps)

	lineHeight := s.wrappedHeight("", 0) // one line, as the template cell
	heights := make([]float32, len(rows))
	for r, row := range rows {
		heights[r] = lineHeight
		for c, text := range row {
			heights[r] = max(heights[r], s.wrappedHeight(text, widths[c]))
		}
	}

	fit := statusTableFit{widths: widths, heights: heights}
	if slices.Equal(fit.widths, s.fit.widths) && slices.Equal(fit.heights, s.fit.heights) {
		return
	}
	s.fit = fit
	for c, w := range widths {
		s.table.SetColumnWidth(c, w)
	}
	for r, h := range heights {
		s.table.SetRowHeight(r, h)
	}
}

// cellTexts is every cell of the users table, row by row; UI goroutine only.
func (s *statusScreen) cellTexts() [][]string {
	rows := make([][]string, len(s.status.Users))
	for r := range rows {
		rows[r] = make([]string, len(statusColumns()))
		for c := range rows[r] {
			rows[r][c] = s.cellText(r, c)
		}
	}
	return rows
}

// wrappedHeight is the height of a table cell showing text wrapped at width, measured by the
// same rich text a label draws with.
func (s *statusScreen) wrappedHeight(text string, width float32) float32 {
	if s.measure == nil {
		s.measure = widget.NewRichTextWithText("")
		s.measure.Wrapping = fyne.TextWrapWord
	}
	s.measure.Segments = []widget.RichTextSegment{&widget.TextSegment{Text: text, Style: widget.RichTextStyleInline}}
	s.measure.Resize(fyne.NewSize(width, 1))
	s.measure.Refresh()
	return s.measure.MinSize().Height
}

// statusColumnFit shares avail among columns that would like natural widths and can go down to
// least: all natural when they fit, the spare width then going to the last column; otherwise
// the columns narrower than a fair share keep their width and the others split what is left,
// each at least its least. The widths may add up to more than avail only when the least do.
func statusColumnFit(natural, least []float32, avail float32) []float32 {
	n := len(natural)
	widths := slices.Clone(natural)
	var total float32
	for _, w := range natural {
		total += w
	}
	if n == 0 {
		return widths
	}
	if total <= avail {
		widths[n-1] += float32(int(avail - total))
		return widths
	}
	// flexible holds the columns that share; the rest are settled at natural or least width.
	flexible := make([]bool, n)
	for i := range flexible {
		flexible[i] = true
	}
	for {
		left, count := avail, 0
		for i := range n {
			if flexible[i] {
				count++
			} else {
				left -= widths[i]
			}
		}
		if count == 0 {
			return widths
		}
		share := float32(int(max(left, 0) / float32(count)))
		// A column that cannot go down to the share settles first (it lowers the share for the
		// rest); then one that needs less than the share (it raises it); the others split it.
		if !statusSettle(widths, flexible, func(i int) (float32, bool) { return least[i], least[i] >= share }) &&
			!statusSettle(widths, flexible, func(i int) (float32, bool) { return natural[i], natural[i] <= share }) {
			for i := range n {
				if flexible[i] {
					widths[i] = share
				}
			}
			return widths
		}
	}
}

// statusSettle gives each flexible column i for which settle says so the width it names, and
// reports whether it settled any.
func statusSettle(widths []float32, flexible []bool, settle func(i int) (float32, bool)) bool {
	settled := false
	for i := range widths {
		if w, ok := settle(i); flexible[i] && ok {
			widths[i], flexible[i], settled = w, false, true
		}
	}
	return settled
}

// ceilPx rounds a width up to a whole pixel, so text measured at w never needs w+0.4.
func ceilPx(w float32) float32 {
	if f := float32(int(w)); f < w {
		return f + 1
	}
	return w
}
