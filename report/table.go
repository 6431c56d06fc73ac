package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/match"
)

// tableWriter writes aligned columns for a terminal: most severe first, then
// by package, with the layer that brought each package in and the build
// step behind that layer, and a summary line of counts per severity.
type tableWriter struct{}

var _ Writer = tableWriter{}

// createdByWidth bounds the build-step column; steps run to hundreds of
// characters and would push every row off a terminal.
const createdByWidth = 40

func (tableWriter) Write(w io.Writer, r *Report) error {
	fs := sorted(r.Findings)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "%s\n\n", imageName(r.Inventory))
	if len(fs) > 0 {
		fmt.Fprintln(tw, "SEVERITY\tID\tPACKAGE\tINSTALLED\tFIXED\tLAYER\tCREATED BY")
	}
	for i := range fs {
		f := &fs[i]
		sev := strings.ToUpper(f.Severity.String())
		if f.DistroSeverity != "" {
			sev += " (" + f.DistroSeverity + ")"
		}
		if f.KEV {
			sev += " KEV"
		}
		if f.GoSymbols == match.SymbolsAbsent {
			sev += " (code absent)" // the vulnerable functions are not in the binary
		}
		name := f.Package.Name
		if f.Package.Owner != "" {
			name += " (in " + f.Package.Owner + ")"
		}
		layer, createdBy := "-", ""
		if l := r.Inventory.LayerOf(&f.Package); l != nil {
			layer = strconv.Itoa(l.Index)
			createdBy = shorten(createdByText(l), createdByWidth)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			sev, f.ID, clean(name), clean(f.Installed), clean(fixedText(f)), layer, createdBy)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("report: writing table: %w", err)
	}
	c := Count(fs)
	_, err := fmt.Fprintf(w, "\n%d %s: %d critical, %d high, %d medium, %d low, %d unknown\n",
		c.Total, plural(c.Total, "vulnerability", "vulnerabilities"), c.Critical, c.High, c.Medium, c.Low, c.Unknown)
	if err != nil {
		return fmt.Errorf("report: writing table: %w", err)
	}
	for _, msg := range r.Warnings {
		fmt.Fprintf(w, "warning: %s\n", clean(msg))
	}
	if v := r.Verdict; v != nil {
		for _, n := range v.Notes {
			fmt.Fprintf(w, "note: %s\n", clean(n))
		}
		for _, s := range v.Suppressed {
			fmt.Fprintf(w, "suppressed: %s in %s (%s: %s)\n", s.FindingID, clean(s.Package), s.By, clean(s.Reason))
		}
		if v.Pass {
			fmt.Fprintf(w, "policy %q: pass\n", v.Policy.Name)
		} else {
			fmt.Fprintf(w, "policy %q: FAIL\n", v.Policy.Name)
			for _, reason := range v.Reasons {
				fmt.Fprintf(w, "  - %s\n", clean(reason.String()))
			}
		}
	}
	return nil
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
	s = clean(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
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
		return one
	}
	return many
}
