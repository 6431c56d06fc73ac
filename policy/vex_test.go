package policy

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/match"
)

// testdata/vex/app.openvex.json is an OpenVEX 0.2.0 document about the test
// image (by digest, in several spellings) and some of its packages.
func TestVEX(t *testing.T) {
	tests := []struct {
		name       string
		finding    match.Finding
		inventory  func() *inventory.Inventory // nil: the test image
		suppressed string                      // want the Suppression.Reason to contain this; "" for not suppressed
		note       string                      // a note the verdict must carry, if any
	}{
		{
			name:       "not_affected for a subcomponent of the image, matched through an alias",
			finding:    withIDs(newFinding(t, "GHSA-qppj-fm5r-hxr3", match.SeverityHigh, "golang.org/x/net"), "GHSA-qppj-fm5r-hxr3", "CVE-2023-44487"),
			suppressed: "VEX not_affected (vulnerable_code_not_in_execute_path) by Example Platform Security",
		},
		{
			name:       "fixed for a package PURL without version",
			finding:    newFinding(t, "CVE-2024-2961", match.SeverityHigh, "libc6"),
			suppressed: "VEX fixed",
		},
		{
			name:    "affected does not suppress, and its action is noted",
			finding: newFinding(t, "CVE-2023-4911", match.SeverityHigh, "libc6"),
			note:    "VEX: CVE-2023-4911 affects this image; action: Rebuild on the Debian 12.2 base image, which has glibc 2.36-9+deb12u3.",
		},
		{
			name:    "under_investigation does not suppress",
			finding: newFinding(t, "CVE-2024-6387", match.SeverityHigh, "curl"),
		},
		{
			name:    "a later affected statement overrides an earlier not_affected",
			finding: newFinding(t, "CVE-2023-38545", match.SeverityCritical, "curl"),
		},
		{
			name:    "a statement about another image does not apply",
			finding: newFinding(t, "CVE-2022-48174", match.SeverityCritical, "curl"),
		},
		{
			name:    "a statement about the image's other subcomponent does not apply",
			finding: withIDs(newFinding(t, "CVE-2023-44487", match.SeverityHigh, "curl"), "CVE-2023-44487"),
		},
		{
			name:      "the same statement does not apply to a rebuilt image with another digest",
			finding:   withIDs(newFinding(t, "CVE-2023-44487", match.SeverityHigh, "golang.org/x/net"), "CVE-2023-44487"),
			inventory: rebuiltImage,
		},
	}
	p, err := Parse(policyYAML("severity:\n  failOn: high\nvex: [vex/app.openvex.json]\n"), "test.yaml", WithBaseDir("testdata"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := Input{Findings: []match.Finding{tt.finding}}
			if tt.inventory != nil {
				in.Inventory = tt.inventory()
			}
			v := mustEvaluate(t, p, in)
			if tt.note != "" && !slices.Contains(v.Notes, tt.note) {
				t.Errorf("notes %q, want %q", v.Notes, tt.note)
			}
			if tt.suppressed == "" {
				if len(v.Suppressed) != 0 || v.Pass {
					t.Fatalf("suppressed %+v, pass %v; want the finding to count and fail", v.Suppressed, v.Pass)
				}
				if r := reasonFor(v, RuleSeverity); r == nil || !slices.Equal(r.IDs, []string{tt.finding.ID}) {
					t.Errorf("severity reason %v, want one naming %s", r, tt.finding.ID)
				}
				return
			}
			if len(v.Suppressed) != 1 {
				t.Fatalf("suppressed %+v, want exactly %s", v.Suppressed, tt.finding.ID)
			}
			s := v.Suppressed[0]
			if s.FindingID != tt.finding.ID || s.By != ByVEX || !strings.Contains(s.Reason, tt.suppressed) {
				t.Errorf("suppression %+v, want %s by vex with reason containing %q", s, tt.finding.ID, tt.suppressed)
			}
			if !strings.HasSuffix(s.Reason, "in app.openvex.json") {
				t.Errorf("reason %q does not name the VEX file", s.Reason)
			}
			if !v.Pass || len(v.Findings) != 0 {
				t.Errorf("Pass = %v, findings %v; want pass with none counting", v.Pass, countingIDs(v))
			}
		})
	}
}

// rebuiltImage is the test image with another digest, as after a rebuild.
func rebuiltImage() *inventory.Inventory {
	inv := testInventory()
	inv.Digest = "sha256:60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"
	return inv
}

func TestWithVEX(t *testing.T) {
	f := []match.Finding{newFinding(t, "CVE-2024-2961", match.SeverityHigh, "libc6")}
	without := mustEvaluate(t, mustParse(t, "severity:\n  failOn: high\n"), Input{Findings: f})
	with := mustEvaluate(t, mustParse(t, "severity:\n  failOn: high\n", WithVEX(filepath.Join("testdata", "vex", "app.openvex.json"))), Input{Findings: f})
	if without.Pass || !with.Pass {
		t.Errorf("Pass without VEX = %v, with = %v; want false, true", without.Pass, with.Pass)
	}
	if got := suppressedIDs(with); !slices.Equal(got, []string{"CVE-2024-2961/vex"}) {
		t.Errorf("suppressed = %v, want [CVE-2024-2961/vex]", got)
	}

	_, err := New(WithVEX(filepath.Join("testdata", "vex", "invalid-statement.openvex.json")))
	if !errors.Is(err, ErrVEX) {
		t.Errorf("New(WithVEX(invalid)) error = %v, want ErrVEX", err)
	}
}

// An exception and a VEX statement about the same finding report it once,
// as excepted: the policy owner's word comes first.
func TestExceptionBeforeVEX(t *testing.T) {
	p, err := Parse(policyYAML(`
severity:
  failOn: high
vex: [vex/app.openvex.json]
exceptions:
  - id: CVE-2024-2961
    reason: iconv is never called with ISO-2022-CN-EXT
    expires: 2026-12-31
`), "test.yaml", WithBaseDir("testdata"))
	if err != nil {
		t.Fatal(err)
	}
	v := mustEvaluate(t, p, Input{Findings: []match.Finding{newFinding(t, "CVE-2024-2961", match.SeverityHigh, "libc6")}})
	if got := suppressedIDs(v); !slices.Equal(got, []string{"CVE-2024-2961/exception"}) {
		t.Errorf("suppressed = %v, want [CVE-2024-2961/exception]", got)
	}
}
