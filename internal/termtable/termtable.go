// Package termtable writes aligned text tables for a terminal that fit a
// given width: when the columns are too wide together, the widest column
// that may be cut loses a character at a time, down to its minimum, and a
// cut cell ends in "…". Programs wanting the whole value read the JSON
// output instead. Width is counted in runes; colour codes wrapped around a
// cell do not count.
package termtable

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

// gap is the space between two columns.
const gap = 2

// Column is one column's heading and how it gives way when the table is
// too wide.
type Column struct {
	Head string
	// Cut orders the columns that give way: those with the lowest Cut give
	// way first, columns sharing a Cut give way together (the widest loses
	// a character first). 0 means never cut.
	Cut int
	// Min is the narrowest the column may be cut to.
	Min int
	// Drop lets the column be left out entirely when cutting it to Min is
	// not enough, before any column with a higher Cut gives way.
	Drop bool
}

// Table is a heading and rows of cells, one per column.
type Table struct {
	cols []Column
	rows [][]string
}

// New returns an empty table with these columns.
func New(cols ...Column) *Table { return &Table{cols: cols} }

// Row adds a row; missing cells are empty, extra cells are dropped.
func (t *Table) Row(cells ...string) {
	row := make([]string, len(t.cols))
	copy(row, cells)
	t.rows = append(t.rows, row)
}

// Len is the number of rows.
func (t *Table) Len() int { return len(t.rows) }

// Widths returns each column's width once fitted to width (0: no limit);
// a dropped column has width -1.
func (t *Table) Widths(width int) []int {
	ws := make([]int, len(t.cols))
	for i, c := range t.cols {
		ws[i] = utf8.RuneCountInString(c.Head)
		for _, r := range t.rows {
			ws[i] = max(ws[i], utf8.RuneCountInString(r[i]))
		}
	}
	if width <= 0 {
		return ws
	}
	total := func() int {
		n, shown := 0, 0
		for _, w := range ws {
			if w >= 0 {
				n += w
				shown++
			}
		}
		return n + gap*max(shown-1, 0)
	}
	var levels []int
	for _, c := range t.cols {
		if c.Cut > 0 && !slices.Contains(levels, c.Cut) {
			levels = append(levels, c.Cut)
		}
	}
	slices.Sort(levels)
	for _, level := range levels {
		for total() > width {
			widest := -1
			for i, c := range t.cols {
				if c.Cut == level && ws[i] > c.Min && (widest < 0 || ws[i] > ws[widest]) {
					widest = i
				}
			}
			if widest < 0 {
				break
			}
			ws[widest]--
		}
		// Drop one column at a time, the rightmost first.
		for i := len(t.cols) - 1; i >= 0; i-- {
			if c := t.cols[i]; c.Cut == level && c.Drop && total() > width {
				ws[i] = -1
			}
		}
		if total() <= width {
			break
		}
	}
	return ws
}

// Paint colours one cell's text: col is the column, text the cell as
// written (cut and clean). Nil paints nothing.
type Paint func(col int, cell, text string) string

// Write writes the heading and the rows, fitted to width (0: no limit).
// paint, if not nil, colours cells; cell is the uncut value.
func (t *Table) Write(w io.Writer, width int, paint Paint) error {
	ws := t.Widths(width)
	head := make([]string, len(t.cols))
	for i, c := range t.cols {
		head[i] = c.Head
	}
	last := len(ws) - 1
	for last > 0 && ws[last] < 0 {
		last--
	}
	var (
		b   strings.Builder
		err error
	)
	line := func(cells []string, painted bool) {
		b.Reset()
		for i, cell := range cells[:last+1] {
			if ws[i] < 0 {
				continue
			}
			text := Cut(cell, ws[i])
			pad := ws[i] - utf8.RuneCountInString(text)
			if painted && paint != nil {
				text = paint(i, cell, text)
			}
			b.WriteString(text)
			if i < last {
				b.WriteString(strings.Repeat(" ", pad+gap))
			}
		}
		if err == nil {
			_, err = fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
		}
	}
	line(head, false)
	for _, r := range t.rows {
		line(r, true)
	}
	return err
}

// Cut shortens s to n runes, the last one "…" when anything was cut.
func Cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// Wrap breaks prose into lines of at most width runes at spaces, every
// line after the first starting with indent; a word longer than a line is
// cut. Width 0 returns s as one line.
func Wrap(s string, width int, indent string) []string {
	if width <= 0 || utf8.RuneCountInString(s) <= width {
		return []string{s}
	}
	var lines []string
	cur := s[:len(s)-len(strings.TrimLeft(s, " "))]
	for _, word := range strings.Fields(s) {
		switch {
		case strings.TrimSpace(cur) == "":
			cur += word
		case utf8.RuneCountInString(cur)+1+utf8.RuneCountInString(word) <= width:
			cur += " " + word
		default:
			lines = append(lines, Cut(cur, width))
			cur = indent + word
		}
	}
	return append(lines, Cut(cur, width))
}
