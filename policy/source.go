package policy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/match"
)

// Severity sources: where a finding's severity comes from.
const (
	// SourceCVSS takes the severity from the advisory's CVSS vectors (v4
	// over v3 over v2), for every package: the default.
	SourceCVSS = "cvss"
	// SourceVendor lets the distribution's own rating rule for OS packages
	// (deb, apk, rpm) where it gave one, as Debian's urgency, Ubuntu's
	// priority or Red Hat's impact; CVSS elsewhere.
	SourceVendor = "vendor"
)

// WithSeveritySource sets where severities come from, SourceCVSS or
// SourceVendor, replacing the file's severity.source. Default: the file's
// setting, else SourceCVSS.
func WithSeveritySource(source string) Option {
	return func(s *settings) error {
		if source != SourceCVSS && source != SourceVendor {
			return &LoadError{Field: "--severity-source", Err: detail(ErrInvalidOption, "%q: want %s or %s", source, SourceCVSS, SourceVendor)}
		}
		s.severitySource = source
		return nil
	}
}

// WithSeverities counts only findings of these severities (after the
// severity source and unknownAs): the others are left out of the verdict
// as fixableOnly leaves out unfixed ones, with a note. Default: all.
func WithSeverities(sevs ...match.Severity) Option {
	return func(s *settings) error {
		if len(sevs) == 0 {
			return &LoadError{Field: "--severity", Err: detail(ErrInvalidOption, "no severity listed")}
		}
		s.severities = slices.Clone(sevs)
		return nil
	}
}

// WithFailOnAny fails the verdict on any finding that still counts, as
// Trivy's --exit-code 1 does; with WithSeverities, on any of those
// severities. Default: only severity.failOn fails on findings.
func WithFailOnAny() Option {
	return func(s *settings) error {
		s.failOnAny = true
		return nil
	}
}

// Severity is f's severity under this policy's severity source, before
// unknownAs: what a report shows beside the finding.
func (p *Policy) Severity(f *match.Finding) match.Severity {
	if p.vendorSeverity && f.DistroSeverity != "" && isOSPackage(f.Package.Type) {
		if sev, ok := vendorSeverity(f.DistroSeverity); ok {
			return sev
		}
	}
	return f.Severity
}

// effective is the severity that thresholds and rules see.
func (p *Policy) effective(f *match.Finding) match.Severity {
	if sev := p.Severity(f); sev != match.SeverityUnknown {
		return sev
	}
	return p.unknownAs
}

func isOSPackage(typ string) bool {
	return typ == inventory.TypeDeb || typ == inventory.TypeAPK || typ == inventory.TypeRPM
}

// vendorSeverity reads a distribution's rating: Debian's urgencies
// (unimportant, low, medium, high), Ubuntu's priorities (negligible …
// critical) and Red Hat's impacts (Low, Moderate, Important, Critical).
// "not yet assigned" and other words are not a rating.
func vendorSeverity(word string) (match.Severity, bool) {
	switch w := strings.ToLower(strings.TrimSpace(word)); w {
	case "unimportant", "negligible":
		return match.SeverityLow, true
	case "important":
		return match.SeverityHigh, true
	default:
		sev, err := match.ParseSeverity(w)
		return sev, err == nil && sev != match.SeverityUnknown
	}
}

// outsideSeverities leaves out findings whose severity WithSeverities did
// not list, with a note saying how many.
func (p *Policy) outsideSeverities(v *Verdict, counting []match.Finding) []match.Finding {
	if len(p.severities) == 0 {
		return counting
	}
	kept := counting[:0]
	for _, f := range counting {
		if slices.Contains(p.severities, p.effective(&f)) {
			kept = append(kept, f)
		}
	}
	if n := len(counting) - len(kept); n > 0 {
		names := make([]string, len(p.severities))
		for i, s := range p.severities {
			names[i] = severityName(s)
		}
		v.Notes = append(v.Notes, fmt.Sprintf("%d finding%s of other severities than %s not counted", n, plural(n, "", "s"), strings.Join(names, ", ")))
	}
	return kept
}

// checkAny fails on every counting finding (WithFailOnAny).
func (p *Policy) checkAny(v *Verdict, counting []match.Finding) {
	if !p.failOnAny || len(counting) == 0 {
		return
	}
	ids := make([]string, len(counting))
	for i := range counting {
		ids[i] = counting[i].ID
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	// checkSeverity's Blocking is drawn from the same counting findings, so
	// these IDs already hold it.
	v.Blocking = ids
	what := "counting"
	if len(p.severities) > 0 {
		what = "of the listed severities"
	}
	v.Reasons = append(v.Reasons, Reason{
		Rule: RuleSeverity,
		Message: fmt.Sprintf("%d finding%s (%d distinct ID%s) %s",
			len(counting), plural(len(counting), "", "s"), len(ids), plural(len(ids), "", "s"), what),
		IDs: ids,
	})
}
