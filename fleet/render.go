package fleet

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/opencontainers/go-digest"
)

// Formats names the formats Write writes, in the order help text shows
// them: aligned columns for a terminal, the Report as JSON, GitHub-flavoured
// Markdown, and one self-contained HTML file with charts.
var Formats = []string{"table", "json", "markdown", "html"}

// ErrUnknownFormat is wrapped by the error Write returns for a format that
// is not one of Formats.
var ErrUnknownFormat = errors.New("fleet: unknown report format")

// FormatError is a report format that is not one of Formats (bad usage).
type FormatError struct{ Name string }

func (e *FormatError) Error() string {
	return fmt.Sprintf("%v %q (want one of %s)", ErrUnknownFormat, e.Name, strings.Join(Formats, ", "))
}

func (e *FormatError) Unwrap() error { return ErrUnknownFormat }

// InvalidInput reports true: the caller named a format that does not exist.
func (e *FormatError) InvalidInput() bool { return true }

// Write writes rep to w in format, one of Formats (case and surrounding
// space ignored). table, markdown and html lead with what is new since
// the previous audit, then the totals, every image, the rematch's work,
// staleness, unknown origin, sprawl, the update plan and the latest
// audits; an empty section says so. json is the Report itself, indented.
// An unknown format is a *FormatError.
func Write(w io.Writer, rep *Report, format string) error {
	if rep == nil {
		return errors.New("fleet: no report to write")
	}
	var err error
	f := strings.ToLower(strings.TrimSpace(format))
	switch f {
	case "table":
		err = writeTable(w, buildView(rep))
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		// Summaries quote code ("versions < 1.2.3"); the JSON is for
		// programs, and escaping <, > and & would only hide that.
		enc.SetEscapeHTML(false)
		err = enc.Encode(rep)
	case "markdown":
		err = writeMarkdown(w, buildView(rep))
	case "html":
		err = writeHTML(w, rep, buildView(rep))
	default:
		return &FormatError{Name: format}
	}
	if err != nil {
		return fmt.Errorf("fleet: writing %s report: %w", f, err)
	}
	return nil
}

// severityOrder lists the severities most severe first, as Counts holds
// them.
var severityOrder = []string{"critical", "high", "medium", "low", "unknown"}

// sevRank orders severities most severe first; anything unrecognised
// ranks with unknown.
func sevRank(s string) int {
	for i, name := range severityOrder {
		if strings.EqualFold(s, name) {
			return i
		}
	}
	return len(severityOrder) - 1
}

// sevName is a severity as the report spells it: one of severityOrder.
func sevName(s string) string { return severityOrder[sevRank(s)] }

// countOf is c's count of one severity of severityOrder.
func countOf(c Counts, sev string) int {
	switch sev {
	case "critical":
		return c.Critical
	case "high":
		return c.High
	case "medium":
		return c.Medium
	case "low":
		return c.Low
	}
	return c.Unknown
}

// fmtDigest shortens a digest to the algorithm and 12 hex digits
// ("sha256:abcdef123456"), as a terminal shows it; "" stays "".
func fmtDigest(d digest.Digest) string {
	s := cleanText(string(d))
	alg, hex, ok := strings.Cut(s, ":")
	if !ok || len(hex) <= 12 {
		return s
	}
	return alg + ":" + hex[:12]
}

// fmtTime is a time in UTC to the minute; "" for the zero time.
func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// fmtDays is "1 day" or "n days".
func fmtDays(n int) string {
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

// maxCellRunes bounds any one text value in the report: summaries come
// from advisories and names from workloads, and neither may make the report
// unbounded. The JSON format carries every value whole.
const maxCellRunes = 1000

// cleanText makes hostile text safe to show: control characters other than
// newline (escape sequences, tabs, carriage returns) become spaces, and
// the bidirectional overrides that make text read differently from what it
// is are dropped. It is cut to maxCellRunes.
func cleanText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case unicode.IsControl(r):
			return ' '
		case (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f:
			return -1
		}
		return r
	}, s)
	return cutRunes(strings.TrimSpace(s), maxCellRunes)
}

// cutRunes cuts s to n runes, the last one an ellipsis when it was longer.
func cutRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// oneLine folds newlines into spaces.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}
