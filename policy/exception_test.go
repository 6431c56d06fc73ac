package policy

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/drydock/drydock/match"
)

// An exception that "expires: 2026-06-30" applies through the whole of that
// day in UTC and stops at 2026-07-01T00:00:00Z.
func TestExceptionExpiry(t *testing.T) {
	body := `
severity:
  failOn: high
exceptions:
  - id: CVE-2023-45853
    reason: minizip is not built
    expires: 2026-06-30
`
	tests := []struct {
		name    string
		now     time.Time
		applies bool
	}{
		{"the day before", time.Date(2026, 6, 29, 12, 0, 0, 0, time.UTC), true},
		{"the day of, first instant", time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC), true},
		{"the day of, last second", time.Date(2026, 6, 30, 23, 59, 59, 0, time.UTC), true},
		{"the day after, first instant", time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), false},
		{"the day after, noon", time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC), false},
		{"the day of in UTC-7, already the day after in UTC", time.Date(2026, 6, 30, 20, 0, 0, 0, time.FixedZone("PDT", -7*3600)), false},
	}
	p := mustParse(t, body)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := mustEvaluate(t, p, Input{Now: tt.now, Findings: []match.Finding{newFinding(t, "CVE-2023-45853", match.SeverityCritical, "zlib1g")}})
			if v.Pass != tt.applies {
				t.Fatalf("Pass = %v, want %v (reasons %v)", v.Pass, tt.applies, v.Reasons)
			}
			expiredNote := slices.ContainsFunc(v.Notes, func(n string) bool {
				return strings.HasPrefix(n, "exception for CVE-2023-45853 expired on 2026-06-30")
			})
			if expiredNote == tt.applies {
				t.Errorf("expired note present = %v, want %v (notes %q)", expiredNote, !tt.applies, v.Notes)
			}
			if tt.applies {
				want := []Suppression{{FindingID: "CVE-2023-45853", Package: newFinding(t, "CVE-2023-45853", 0, "zlib1g").Package.PURL, By: ByException, Reason: "minizip is not built"}}
				if !slices.Equal(v.Suppressed, want) {
					t.Errorf("Suppressed = %+v, want %+v", v.Suppressed, want)
				}
			} else {
				if r := reasonFor(v, RuleSeverity); r == nil || !slices.Equal(r.IDs, []string{"CVE-2023-45853"}) {
					t.Errorf("severity reason = %v, want one naming CVE-2023-45853", r)
				}
				if !slices.ContainsFunc(v.Notes, func(n string) bool { return strings.HasSuffix(n, "its findings count again") }) {
					t.Errorf("notes %q do not say the expired exception's findings count again", v.Notes)
				}
			}
		})
	}
}

func TestExceptionExpiryInstant(t *testing.T) {
	p := mustParse(t, `
severity:
  failOn: low
exceptions:
  - id: CVE-2023-4039
    reason: stack protector issue on arm64 only
    expires: 2026-03-01T10:00:00Z
`)
	f := []match.Finding{newFinding(t, "CVE-2023-4039", match.SeverityMedium, "libc6")}
	before := mustEvaluate(t, p, Input{Now: time.Date(2026, 3, 1, 9, 59, 59, 0, time.UTC), Findings: f})
	at := mustEvaluate(t, p, Input{Now: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC), Findings: f})
	if !before.Pass || at.Pass {
		t.Errorf("a second before the instant Pass = %v, at the instant Pass = %v; want true, false", before.Pass, at.Pass)
	}
}

func TestExceptionMatching(t *testing.T) {
	tests := []struct {
		name       string
		exception  string        // the YAML lines after "- "
		finding    match.Finding // the one finding
		suppressed bool
	}{
		{"by ID", "id: CVE-2023-4911", newFinding(t, "CVE-2023-4911", match.SeverityHigh, "libc6"), true},
		{"by ID in another case", "id: cve-2023-4911", newFinding(t, "CVE-2023-4911", match.SeverityHigh, "libc6"), true},
		{"by alias", "id: DSA-5514-1", withIDs(newFinding(t, "CVE-2023-4911", match.SeverityHigh, "libc6"), "CVE-2023-4911", "DSA-5514-1"), true},
		{"other ID", "id: CVE-2023-4806", newFinding(t, "CVE-2023-4911", match.SeverityHigh, "libc6"), false},
		{"by package name", "id: CVE-2023-4911\n    package: libc6", newFinding(t, "CVE-2023-4911", match.SeverityHigh, "libc6"), true},
		{"by source package name", "id: CVE-2023-4911\n    package: glibc", newFinding(t, "CVE-2023-4911", match.SeverityHigh, "libc6"), true},
		{"other package", "id: CVE-2023-4911\n    package: zlib1g", newFinding(t, "CVE-2023-4911", match.SeverityHigh, "libc6"), false},
		{"by versionless PURL", "id: CVE-2023-4911\n    purl: pkg:deb/debian/libc6", newFinding(t, "CVE-2023-4911", match.SeverityHigh, "libc6"), true},
		{"other version PURL", "id: CVE-2023-4911\n    purl: pkg:deb/debian/libc6@2.36-9+deb12u3", newFinding(t, "CVE-2023-4911", match.SeverityHigh, "libc6"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustParse(t, "severity:\n  failOn: high\nexceptions:\n  - "+tt.exception+"\n    reason: accepted for the test\n    expires: 2026-12-31\n")
			v := mustEvaluate(t, p, Input{Findings: []match.Finding{tt.finding}})
			if got := len(v.Suppressed) == 1; got != tt.suppressed {
				t.Errorf("suppressed = %v (%+v), want %v", got, v.Suppressed, tt.suppressed)
			}
			if v.Pass != tt.suppressed {
				t.Errorf("Pass = %v, want %v", v.Pass, tt.suppressed)
			}
		})
	}
}

func withIDs(f match.Finding, ids ...string) match.Finding {
	f.IDs = ids
	return f
}
