package policy

import (
	"slices"
	"strings"
	"testing"

	"github.com/drydock/drydock/match"
)

func TestSeverityThreshold(t *testing.T) {
	tests := []struct {
		name     string
		body     string          // the policy body
		opts     []Option        // options on top of the body
		findings []match.Finding // the input
		wantIDs  []string        // IDs of the severity reason; nil: no reason
		wantMsg  string          // phrase in the reason message
	}{
		{
			name:     "below threshold passes",
			body:     "severity:\n  failOn: high\n",
			findings: []match.Finding{newFinding(t, "CVE-2023-4039", match.SeverityMedium, "libc6")},
		},
		{
			name: "at and above threshold fail",
			body: "severity:\n  failOn: high\n",
			findings: []match.Finding{
				newFinding(t, "CVE-2023-4911", match.SeverityHigh, "libc6", "2.36-9+deb12u3"),
				newFinding(t, "CVE-2023-45853", match.SeverityCritical, "zlib1g"),
				newFinding(t, "CVE-2023-4039", match.SeverityMedium, "libc6"),
			},
			wantIDs: []string{"CVE-2023-45853", "CVE-2023-4911"},
			wantMsg: "2 findings (2 distinct IDs) at or above high",
		},
		{
			name:     "unknown severity never fails by default",
			body:     "severity:\n  failOn: low\n",
			findings: []match.Finding{newFinding(t, "CVE-2024-0001", match.SeverityUnknown, "curl")},
		},
		{
			name:     "unknownAs high makes unknown count as high",
			body:     "severity:\n  failOn: high\n  unknownAs: high\n",
			findings: []match.Finding{newFinding(t, "CVE-2024-0001", match.SeverityUnknown, "curl")},
			wantIDs:  []string{"CVE-2024-0001"},
			wantMsg:  "1 finding (1 distinct ID) at or above high",
		},
		{
			name:     "unknownAs medium stays under high",
			body:     "severity:\n  failOn: high\n  unknownAs: medium\n",
			findings: []match.Finding{newFinding(t, "CVE-2024-0001", match.SeverityUnknown, "curl")},
		},
		{
			name:     "fixableOnly ignores unfixed findings",
			body:     "severity:\n  failOn: high\nfixableOnly: true\n",
			findings: []match.Finding{newFinding(t, "CVE-2023-45853", match.SeverityCritical, "zlib1g")},
		},
		{
			name: "fixableOnly still counts fixed findings",
			body: "severity:\n  failOn: high\nfixableOnly: true\n",
			findings: []match.Finding{
				newFinding(t, "CVE-2023-45853", match.SeverityCritical, "zlib1g"),
				newFinding(t, "CVE-2023-38545", match.SeverityCritical, "curl", "7.88.1-10+deb12u5"),
			},
			wantIDs: []string{"CVE-2023-38545"},
			wantMsg: "at or above high",
		},
		{
			name:     "WithIgnoreUnfixed acts as fixableOnly",
			body:     "severity:\n  failOn: high\n",
			opts:     []Option{WithIgnoreUnfixed()},
			findings: []match.Finding{newFinding(t, "CVE-2023-45853", match.SeverityCritical, "zlib1g")},
		},
		{
			name:     "WithFailOn overrides the file",
			body:     "severity:\n  failOn: critical\n",
			opts:     []Option{WithFailOn(match.SeverityMedium)},
			findings: []match.Finding{newFinding(t, "CVE-2023-4039", match.SeverityMedium, "libc6")},
			wantIDs:  []string{"CVE-2023-4039"},
			wantMsg:  "at or above medium",
		},
		{
			name: "aliases of one vulnerability in two packages are listed once",
			body: "severity:\n  failOn: high\n",
			findings: []match.Finding{
				newFinding(t, "CVE-2023-4911", match.SeverityHigh, "libc6"),
				newFinding(t, "CVE-2023-4911", match.SeverityHigh, "libc6"),
			},
			wantIDs: []string{"CVE-2023-4911"},
			wantMsg: "2 findings (1 distinct ID)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustParse(t, tt.body, tt.opts...)
			v := mustEvaluate(t, p, Input{Findings: tt.findings})
			r := reasonFor(v, RuleSeverity)
			if tt.wantIDs == nil {
				if r != nil {
					t.Fatalf("got reason %v, want none", r)
				}
				if !v.Pass {
					t.Fatalf("got fail %v, want pass", v.Reasons)
				}
				return
			}
			if r == nil {
				t.Fatalf("got no %s reason (verdict %+v), want IDs %v", RuleSeverity, v, tt.wantIDs)
			}
			if !slices.Equal(r.IDs, tt.wantIDs) {
				t.Errorf("IDs = %v, want %v", r.IDs, tt.wantIDs)
			}
			if !strings.Contains(r.Message, tt.wantMsg) {
				t.Errorf("message %q, want it to contain %q", r.Message, tt.wantMsg)
			}
			if v.Pass {
				t.Error("Pass = true with a reason")
			}
		})
	}
}

func TestFixableOnlyNote(t *testing.T) {
	p := mustParse(t, "severity:\n  failOn: high\nfixableOnly: true\n")
	v := mustEvaluate(t, p, Input{Findings: []match.Finding{
		newFinding(t, "CVE-2023-45853", match.SeverityCritical, "zlib1g"),
		newFinding(t, "CVE-2023-4039", match.SeverityMedium, "libc6", "2.36-9+deb12u4"),
	}})
	if got, want := countingIDs(v), []string{"CVE-2023-4039"}; !slices.Equal(got, want) {
		t.Errorf("counting findings = %v, want %v", got, want)
	}
	want := "1 finding(s) without a fixed version not counted (fixableOnly)"
	if !slices.Contains(v.Notes, want) {
		t.Errorf("notes = %q, want one to be %q", v.Notes, want)
	}
}

func TestWithFailOnRejectsUnknown(t *testing.T) {
	for _, sev := range []match.Severity{match.SeverityUnknown, match.SeverityCritical + 1} {
		if _, err := New(WithFailOn(sev)); err == nil {
			t.Errorf("New(WithFailOn(%d)) succeeded, want an error", sev)
		}
	}
}
