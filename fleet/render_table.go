package fleet

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// For a terminal, cells are cut so a row stays readable: a summary to
// tableSummaryRunes, any other cell to tableCellRunes, lists to
// tableItems values and a count of the rest. The json format carries
// every value whole, and the plan's commands are printed whole below
// their table so they can be copied.
const (
	tableCellRunes    = 96
	tableSummaryRunes = 60
	tableItems        = 3
)

// writeTable writes the report as plain text with aligned columns: no
// colour codes, short digests, hostile text reduced to one line of
// printable characters.
func writeTable(w io.Writer, v *view) error {
	tw := &textWriter{w: w}
	tw.printf("%s\n", strings.ToUpper(v.Title))
	for _, m := range v.Meta {
		tw.printf("%s\n", m)
	}
	for _, s := range v.Sections {
		tw.printf("\n%s\n", strings.ToUpper(s.Title))
		for _, l := range s.Lead {
			tw.printf("  %s\n", l)
		}
		if len(s.Rows) == 0 {
			if s.Empty != "" {
				tw.printf("  %s\n", s.Empty)
			}
		} else {
			tw.table(s)
		}
		for _, n := range s.Notes {
			tw.printf("  %s\n", n)
		}
		for _, c := range s.Code {
			tw.printf("    %s\n", c)
		}
	}
	return tw.err
}

// textWriter keeps the first write error, so the writer reads as a list
// of lines.
type textWriter struct {
	w   io.Writer
	err error
}

func (t *textWriter) printf(format string, args ...any) {
	if t.err == nil {
		_, t.err = fmt.Fprintf(t.w, format, args...)
	}
}

func (t *textWriter) table(s viewSection) {
	if t.err != nil {
		return
	}
	tab := tabwriter.NewWriter(t.w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tab, "  %s\n", strings.ToUpper(strings.Join(s.Head, "\t")))
	for _, row := range s.Rows {
		cells := make([]string, len(row))
		for i, c := range row {
			limit := tableCellRunes
			if i < len(s.Head) && s.Head[i] == "Summary" {
				limit = tableSummaryRunes
			}
			text := oneLine(joinItems(c, tableItems))
			if text == "" {
				text = "-"
			}
			cells[i] = cutRunes(text, limit)
		}
		fmt.Fprintf(tab, "  %s\n", strings.Join(cells, "\t"))
	}
	t.err = tab.Flush()
}
