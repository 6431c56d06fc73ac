package policy

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/drydock/drydock/match"
)

func writeIgnore(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), IgnoreFileName)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestIgnoreFile: entries suppress like exceptions, with or without a
// package, an expiry and a reason; an expired entry suppresses nothing and
// is noted.
func TestIgnoreFile(t *testing.T) {
	path := writeIgnore(t, `# accepted risks
CVE-2023-4911 package=glibc expires=2026-12-31 # not reachable: no setuid binaries
CVE-2023-45853
CVE-2023-38545 pkg:deb/debian/curl exp:2026-01-01 # waiting for the point release
`)
	f, err := LoadIgnoreFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Entries) != 3 || f.Entries[0].Package != "glibc" || f.Entries[0].Reason != "not reachable: no setuid binaries" ||
		f.Entries[1].Expires != "" || f.Entries[2].PURL != "pkg:deb/debian/curl" || f.Entries[2].Line != 4 {
		t.Fatalf("entries = %+v", f.Entries)
	}
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	if !f.Entries[2].Expired(now) || f.Entries[0].Expired(now) || f.Entries[1].Expired(now) {
		t.Errorf("expiry at %s: got %v %v %v, want only the third expired", now, f.Entries[0].Expired(now), f.Entries[1].Expired(now), f.Entries[2].Expired(now))
	}
	p := mustParse(t, "severity:\n  failOn: high\n", WithIgnoreFile(f))
	v := mustEvaluate(t, p, Input{Inventory: testInventory(), Now: now, Findings: []match.Finding{
		newFinding(t, "CVE-2023-4911", match.SeverityHigh, "libc6"),
		newFinding(t, "CVE-2023-45853", match.SeverityCritical, "zlib1g"),
		newFinding(t, "CVE-2023-38545", match.SeverityCritical, "curl"),
	}})
	if got := countingIDs(v); !slices.Equal(got, []string{"CVE-2023-38545"}) {
		t.Errorf("counting = %v, want only the expired entry's finding", got)
	}
	if len(v.Suppressed) != 2 || v.Suppressed[0].Reason != "not reachable: no setuid binaries" || !strings.HasSuffix(v.Suppressed[1].Reason, IgnoreFileName+":3") {
		t.Errorf("suppressed = %+v", v.Suppressed)
	}
	if !slices.ContainsFunc(v.Notes, func(n string) bool { return strings.Contains(n, "CVE-2023-38545") && strings.Contains(n, "expired") }) {
		t.Errorf("notes %q lack the expired entry", v.Notes)
	}
}

func TestIgnoreFileErrors(t *testing.T) {
	tests := []struct {
		body string
		line int
		says string
	}{
		{"CVE-1 expires=soon\n", 1, "neither a date"},
		{"\n# c\nCVE-1 severity=low\n", 3, `"severity=low": want package=NAME`},
		{"CVE-1 pkg:nope\n", 1, "is not a package URL"},
		{"CVE-1 pkg:deb/debian/curl package=curl\n", 1, "both package= and a package URL"},
	}
	for _, tt := range tests {
		_, err := LoadIgnoreFile(writeIgnore(t, tt.body))
		var le *LoadError
		if !errors.As(err, &le) || le.Line != tt.line || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("%q: got %v, want a LoadError on line %d saying %q", tt.body, err, tt.line, tt.says)
		}
	}
	if _, err := LoadIgnoreFile(filepath.Join(t.TempDir(), "missing")); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing file: %v", err)
	}
}

// TestSeveritySourceAndFilter: the vendor source lets Debian's urgency rule
// for OS packages only; WithSeverities leaves other severities out with a
// note; WithFailOnAny fails on what is left.
func TestSeveritySourceAndFilter(t *testing.T) {
	libc := newFinding(t, "CVE-2023-4911", match.SeverityHigh, "libc6")
	libc.DistroSeverity = "unimportant"
	net := newFinding(t, "GO-2023-2102", match.SeverityMedium, "golang.org/x/net")
	net.DistroSeverity = "high" // not an OS package: ignored
	in := Input{Inventory: testInventory(), Findings: []match.Finding{libc, net}}

	cvss := mustParse(t, "severity:\n  failOn: high\n")
	if v := mustEvaluate(t, cvss, in); v.Pass {
		t.Error("cvss: libc6's high CVSS severity should fail")
	}
	vendor := mustParse(t, "severity:\n  failOn: high\n", WithSeveritySource(SourceVendor))
	if v := mustEvaluate(t, vendor, in); !v.Pass {
		t.Errorf("vendor: reasons %+v; Debian says unimportant, want a pass", v.Reasons)
	}
	if vendor.Severity(&libc) != match.SeverityLow || vendor.Severity(&net) != match.SeverityMedium {
		t.Errorf("vendor severities: libc6 %v, x/net %v; want low and medium", vendor.Severity(&libc), vendor.Severity(&net))
	}
	if fromFile := mustParse(t, "severity:\n  source: vendor\n"); fromFile.ID().Digest != mustParse(t, "", WithSeveritySource(SourceVendor)).ID().Digest {
		t.Error("severity.source in the file and the option differ")
	}
	if _, err := New(WithSeveritySource("nvd")); err == nil || !strings.Contains(err.Error(), "want cvss or vendor") {
		t.Errorf("unknown source: %v", err)
	}

	only, err := New(WithSeverities(match.SeverityHigh, match.SeverityCritical), WithFailOnAny())
	if err != nil {
		t.Fatal(err)
	}
	v := mustEvaluate(t, only, in)
	if got := countingIDs(v); !slices.Equal(got, []string{"CVE-2023-4911"}) || v.Pass ||
		v.Reasons[0].Message != "1 finding (1 distinct ID) of the listed severities" {
		t.Errorf("--severity high,critical --exit-code 1: counting %v, pass %v, reasons %+v", got, v.Pass, v.Reasons)
	}
	if !slices.Contains(v.Notes, "1 finding of other severities than high, critical not counted") {
		t.Errorf("notes %q", v.Notes)
	}
}
