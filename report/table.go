package report

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/drydock/drydock/internal/termtable"
	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/match"
)

// tableWriter writes aligned columns for a terminal: most severe first, then
// by package, with the layer that brought each package in and the build
// step behind that layer, and a summary line of counts per severity. It
// fits Report.Width: the widest cuttable column loses characters first (the
// build step, then long names and versions), and prose lines wrap; the JSON
// report carries every value whole.
type tableWriter struct{}

var _ Writer = tableWriter{}

// createdByWidth bounds the build-step column even with no width to fit;
// steps run to hundreds of characters.
const createdByWidth = 40

// Columns of the findings table, and how they give way to a narrow
// terminal: the build step and the distro's severity first (cut, then left
// out: the layer index stays), then the package name, then the versions;
// the severity, the ID and the layer are never cut.
var findingColumns = []termtable.Column{
	{Head: "SEVERITY"},
	{Head: "DISTRO", Cut: 1, Min: 6, Drop: true},
	{Head: "ID"},
	{Head: "PACKAGE", Cut: 2, Min: 12},
	{Head: "INSTALLED", Cut: 3, Min: 10},
	{Head: "FIXED", Cut: 3, Min: 10},
	{Head: "LAYER"},
	{Head: "CREATED BY", Cut: 1, Min: 12, Drop: true},
}

func (tableWriter) Write(w io.Writer, r *Report) error {
	ew := &errWriter{w: w}
	fs := sorted(r.Findings)
	name := imageName(r.Inventory)
	if repo, digest, ok := strings.Cut(name, "@"); ok && r.Width > 0 && len(name) > r.Width {
		// The digest alone fits 80 columns; the name and digest together
		// rarely do, and neither may be cut.
		ew.printf("%s\n  @%s\n", repo, digest)
	} else {
		ew.printf("%s\n", name)
	}
	ew.printf("\n")
	if len(fs) > 0 {
		t := termtable.New(findingColumns...)
		for i := range fs {
			f := &fs[i]
			layer, createdBy := "-", ""
			if l := r.Inventory.LayerOf(&f.Package); l != nil {
				layer = strconv.Itoa(l.Index)
				createdBy = shorten(createdByText(l), createdByWidth)
			}
			name := f.Package.Name
			if f.Package.Owner != "" {
				name += " (in " + f.Package.Owner + ")"
			}
			t.Row(severityText(f), clean(f.DistroSeverity), clean(f.ID), clean(name), clean(f.Installed), clean(fixedText(f)), layer, createdBy)
		}
		var paint termtable.Paint
		if r.Color {
			paint = func(col int, cell, text string) string {
				if col != 0 {
					return text
				}
				return colorize(severityColor(cell), text)
			}
		}
		if ew.err == nil {
			ew.err = t.Write(w, r.Width, paint)
		}
		ew.printf("\n")
	}
	ew.line(r.Width, "  ", summaryLine(fs))
	for _, msg := range r.Warnings {
		ew.line(r.Width, "  ", "warning: "+clean(msg))
	}
	for _, f := range r.Inventory.Integrity {
		ew.line(r.Width, "  ", "integrity: "+clean(f.String()))
	}
	if v := r.Verdict; v != nil {
		for _, n := range v.Notes {
			ew.line(r.Width, "  ", "note: "+clean(n))
		}
		for _, s := range v.Suppressed {
			ew.line(r.Width, "  ", fmt.Sprintf("suppressed: %s in %s (%s: %s)", s.FindingID, clean(s.Package), s.By, clean(s.Reason)))
		}
		if v.Pass {
			ew.printf("policy %q: %s\n", v.Policy.Name, r.paint(colorGreen, "pass"))
		} else {
			ew.printf("policy %q: %s\n", v.Policy.Name, r.paint(colorBoldRed, "FAIL"))
			for _, reason := range v.Reasons {
				ew.line(r.Width, "    ", "  - "+clean(reason.String()))
			}
		}
	}
	if ew.err != nil {
		return fmt.Errorf("report: writing table: %w", ew.err)
	}
	return nil
}

// summaryLine counts findings (one per vulnerability and package) and the
// distinct vulnerability IDs among them, each named as such, so the count
// here and the count in a failing policy's reason are the same kind.
func summaryLine(fs []match.Finding) string {
	c := Count(fs)
	return fmt.Sprintf("%s (%s): %d critical, %d high, %d medium, %d low, %d unknown",
		plural(c.Total, "finding", "findings"), plural(distinctIDs(fs), "distinct ID", "distinct IDs"),
		c.Critical, c.High, c.Medium, c.Low, c.Unknown)
}

func distinctIDs(fs []match.Finding) int {
	ids := make([]string, len(fs))
	for i := range fs {
		ids[i] = fs[i].ID
	}
	slices.Sort(ids)
	return len(slices.Compact(ids))
}

// severityText is the severity column: drydock's severity and KEV for
// known exploitation.
func severityText(f *match.Finding) string {
	sev := strings.ToUpper(f.Severity.String())
	if f.KEV {
		sev += " KEV"
	}
	if f.GoSymbols == match.SymbolsAbsent {
		sev += " (code absent)" // the vulnerable functions are not in the binary
	}
	return sev
}

// errWriter keeps the first write error, so the writer reads as a list of
// lines.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}

// line writes prose wrapped to width, continuation lines indented.
func (e *errWriter) line(width int, indent, s string) {
	for _, l := range termtable.Wrap(s, width, indent) {
		e.printf("%s\n", l)
	}
}

// createdByText drops the noise builders add around a build step: docker's
// "/bin/sh -c #(nop) ", BuildKit's "RUN /bin/sh -c " and "# buildkit".
func createdByText(l *inventory.Layer) string {
	s := strings.TrimSpace(l.CreatedBy)
	run := strings.HasPrefix(s, "RUN ")
	s = strings.TrimPrefix(s, "RUN ")
	s, shell := strings.CutPrefix(s, "/bin/sh -c ")
	if shell && !strings.HasPrefix(s, "#(nop)") {
		run = true
	}
	s = strings.TrimPrefix(s, "#(nop) ")
	s = strings.TrimSuffix(strings.TrimSpace(s), "# buildkit")
	s = strings.TrimSpace(s)
	if run {
		s = "RUN " + s
	}
	return s
}

// shorten cuts s to n runes with an ellipsis, after making it one line.
func shorten(s string, n int) string {
	return termtable.Cut(clean(s), n)
}

// clean makes text from image content safe for a terminal and for columns:
// control characters (escape sequences, tabs, newlines) become spaces.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, s)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
