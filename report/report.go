// Package report writes the vulnerability findings of one image for the
// people and programs that read scan results: an aligned table for a
// terminal, drydock's JSON, SARIF 2.1.0 for code-scanning dashboards,
// CycloneDX 1.6 with a vulnerabilities section, and JUnit XML for CI test
// dashboards. Every writer reads the same Report, so the formats never
// disagree about what was found.
package report

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/match"
	"github.com/drydock/drydock/policy"
)

// Report is the outcome of scanning one image.
type Report struct {
	// Inventory is the image's catalog; required (layers and created_by are
	// read from it).
	Inventory *inventory.Inventory
	// Findings are the findings to show: those that still count after the
	// policy's suppressions.
	Findings []match.Finding
	// FailOn is the threshold at and above which a finding fails the scan;
	// SeverityUnknown means no threshold. JUnit marks those testcases failed.
	// Where a Verdict is set, its FailOn wins: the report shows the
	// threshold the policy applied.
	FailOn match.Severity
	// Verdict is the policy's decision, where a policy was evaluated.
	Verdict *policy.Verdict
	// Warnings are messages about input skipped during the scan.
	Warnings []string
	// Time is when the scan ran; zero means now. Tests pin it.
	Time time.Time
	// ToolVersion is drydock's version; "" means "devel".
	ToolVersion string
	// Width is the terminal width the table must fit; 0 means no limit.
	// Other formats ignore it and always carry every value whole.
	Width int
	// Color colours the table's severities and verdict with ANSI codes,
	// for a terminal; other formats ignore it.
	Color bool
}

// Format names an output format.
type Format string

// The output formats.
const (
	FormatTable     Format = "table"
	FormatJSON      Format = "json"
	FormatSARIF     Format = "sarif"
	FormatCycloneDX Format = "cyclonedx"
	FormatJUnit     Format = "junit"
)

// Formats lists every format, in the order help text shows them.
var Formats = []Format{FormatTable, FormatJSON, FormatSARIF, FormatCycloneDX, FormatJUnit}

// ErrUnknownFormat is wrapped by the error ParseFormat returns.
var ErrUnknownFormat = errors.New("report: unknown format")

// FormatError is a format name that is not one of Formats (bad usage).
type FormatError struct{ Name string }

func (e *FormatError) Error() string {
	names := make([]string, len(Formats))
	for i, f := range Formats {
		names[i] = string(f)
	}
	return fmt.Sprintf("%v %q (want one of %s)", ErrUnknownFormat, e.Name, strings.Join(names, ", "))
}
func (e *FormatError) Unwrap() error { return ErrUnknownFormat }

// InvalidInput reports true: the caller named a format that does not exist.
func (e *FormatError) InvalidInput() bool { return true }

// ParseFormat checks a format name given by a user.
func ParseFormat(s string) (Format, error) {
	f := Format(strings.ToLower(strings.TrimSpace(s)))
	if f == "cyclonedx-json" {
		f = FormatCycloneDX // the name Trivy and Syft users type
	}
	if slices.Contains(Formats, f) {
		return f, nil
	}
	return "", &FormatError{Name: s}
}

// Writer writes one report in one format.
type Writer interface {
	Write(w io.Writer, r *Report) error
}

// NewWriter returns the writer for format f.
func NewWriter(f Format) (Writer, error) {
	switch f {
	case FormatTable:
		return tableWriter{}, nil
	case FormatJSON:
		return jsonWriter{}, nil
	case FormatSARIF:
		return sarifWriter{}, nil
	case FormatCycloneDX:
		return cyclonedxWriter{}, nil
	case FormatJUnit:
		return junitWriter{}, nil
	}
	return nil, &FormatError{Name: string(f)}
}

// Write writes r to w in format f.
func Write(w io.Writer, f Format, r *Report) error {
	if r == nil || r.Inventory == nil {
		return errors.New("report: no inventory to report on")
	}
	wr, err := NewWriter(f)
	if err != nil {
		return err
	}
	return wr.Write(w, r)
}

// sorted returns the findings most severe first, then by package name,
// version and ID, so every format lists them in the same order.
func sorted(fs []match.Finding) []match.Finding {
	out := slices.Clone(fs)
	slices.SortStableFunc(out, func(a, b match.Finding) int {
		return cmp.Or(
			cmp.Compare(b.Severity, a.Severity),
			cmp.Compare(a.Package.Name, b.Package.Name),
			cmp.Compare(a.Package.Version, b.Package.Version),
			cmp.Compare(a.ID, b.ID),
			cmp.Compare(a.Package.Path, b.Package.Path),
		)
	})
	return out
}

// Counts is the number of findings at each severity.
type Counts struct {
	Critical int `json:"critical"`
	High     int `json:"high"`
	Medium   int `json:"medium"`
	Low      int `json:"low"`
	Unknown  int `json:"unknown"`
	Total    int `json:"total"`
}

// Count counts findings per severity.
func Count(fs []match.Finding) Counts {
	var c Counts
	for _, f := range fs {
		switch f.Severity {
		case match.SeverityCritical:
			c.Critical++
		case match.SeverityHigh:
			c.High++
		case match.SeverityMedium:
			c.Medium++
		case match.SeverityLow:
			c.Low++
		default:
			c.Unknown++
		}
	}
	c.Total = len(fs)
	return c
}

// failing reports whether f blocks the image. Where a policy judged, its
// verdict's blocking list decides, so the report and the exit code agree
// even when the policy counts unknown severities as something else or takes
// its threshold from a file; without one, FailOn does.
func (r *Report) failing(f *match.Finding) bool {
	if r.Verdict != nil {
		return r.Verdict.Blocks(f.ID)
	}
	return r.FailOn != match.SeverityUnknown && f.Severity >= r.FailOn
}

// threshold is the failing threshold: the verdict's, else FailOn.
func (r *Report) threshold() match.Severity {
	if r.Verdict != nil {
		return r.Verdict.FailOn
	}
	return r.FailOn
}

func (r *Report) now() time.Time {
	if r.Time.IsZero() {
		return time.Now().UTC().Truncate(time.Second)
	}
	return r.Time.UTC()
}

func (r *Report) toolVersion() string {
	if r.ToolVersion == "" {
		return "devel"
	}
	return r.ToolVersion
}

// imageName is how an image is named to a reader: name@digest, else source.
func imageName(inv *inventory.Inventory) string {
	switch {
	case inv.Name != "" && inv.Digest != "":
		return inv.Name + "@" + inv.Digest
	case inv.Source != "":
		return inv.Source
	case inv.Digest != "":
		return inv.Digest
	}
	return "image"
}

// fixedText is the fixed versions or "none yet".
func fixedText(f *match.Finding) string {
	if len(f.Fixed) == 0 {
		return "none yet"
	}
	return strings.Join(f.Fixed, ", ")
}
