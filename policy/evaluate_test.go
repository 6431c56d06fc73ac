package policy

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/match"
)

// Every reason is listed, not only the first.
func TestEvaluateAllReasons(t *testing.T) {
	p, err := Load(filepath.Join("testdata", "full.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	inv := testInventory()
	inv.Name = "docker.io/someone/app"
	old := testNow.AddDate(0, -4, 0)
	inv.Created = &old
	inv.OS = &inventory.OS{ID: "alpine", VersionID: "3.19.1"}
	inv.Packages = append(inv.Packages, debPkg("telnetd", "0.17+2.4-2", "inetutils"))
	kev := newFinding(t, "CVE-2023-4911", match.SeverityHigh, "libc6", "2.36-9+deb12u3")
	kev.KEV = true
	findings := []match.Finding{
		kev,
		newFinding(t, "CVE-2023-38545", match.SeverityCritical, "curl", "7.88.1-10+deb12u5"),
		newFinding(t, "CVE-2023-45853", match.SeverityCritical, "zlib1g"),             // excepted until 2026-06-30
		newFinding(t, "CVE-2024-2961", match.SeverityHigh, "libc6", "2.36-9+deb12u7"), // VEX fixed
		newFinding(t, "CVE-2023-4039", match.SeverityMedium, "libc6"),                 // unfixed: not counted
	}
	v := mustEvaluate(t, p, Input{Inventory: inv, Findings: findings})

	want := []Reason{
		{Rule: RuleSeverity, Message: "2 findings (2 distinct IDs) at or above high", IDs: []string{"CVE-2023-38545", "CVE-2023-4911"}},
		{Rule: RuleRegistries, Message: "image docker.io/someone/app is not from an allowed registry", IDs: []string{"docker.io/someone/app"}},
		{Rule: RuleMaxAge, Message: "image was created 2025-11-01T10:00:00Z (120d ago), older than the maximum age of 90d"},
		{Rule: "no-telnetd", Message: "telnetd must not be installed in any image"},
		{Rule: "no-known-exploited", Message: "vulnerabilities on the CISA KEV list must be fixed before release", IDs: []string{"CVE-2023-4911"}},
		{Rule: "debian-base", Message: "production images are built on Debian 12"},
	}
	if len(v.Reasons) != len(want) {
		t.Fatalf("got %d reasons:\n%s\nwant %d", len(v.Reasons), reasonsText(v.Reasons), len(want))
	}
	for i := range want {
		if got := v.Reasons[i]; got.Rule != want[i].Rule || got.Message != want[i].Message || !slices.Equal(got.IDs, want[i].IDs) {
			t.Errorf("reason %d = %+v, want %+v", i, got, want[i])
		}
	}
	if got, want := suppressedIDs(v), []string{"CVE-2023-45853/exception", "CVE-2024-2961/vex"}; !slices.Equal(got, want) {
		t.Errorf("suppressed = %v, want %v", got, want)
	}
	if got, want := countingIDs(v), []string{"CVE-2023-4911", "CVE-2023-38545"}; !slices.Equal(got, want) {
		t.Errorf("counting = %v, want %v", got, want)
	}
	if v.Policy != p.ID() || v.Policy.Name != "production" || v.Image != testDigest || !v.At.Equal(testNow) {
		t.Errorf("verdict names policy %+v, image %q, time %v; want %+v, %q, %v", v.Policy, v.Image, v.At, p.ID(), testDigest, testNow)
	}

	err = v.Err()
	var f *Failure
	if !errors.As(err, &f) || f == nil {
		t.Fatalf("Err() = %v, want a *Failure with exit code 1", err)
	}
	for _, r := range want {
		if !strings.Contains(err.Error(), r.Rule+": "+r.Message) {
			t.Errorf("failure message %q does not list %q", err, r.Rule)
		}
	}
	if !strings.HasPrefix(err.Error(), `policy "production" failed (6 reasons)`) {
		t.Errorf("failure message %q does not start with the policy name and count", err)
	}
}

func reasonsText(rs []Reason) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString("  " + r.String() + "\n")
	}
	return b.String()
}

func TestDefaultPassesAndSaysSo(t *testing.T) {
	crit := newFinding(t, "CVE-2023-45853", match.SeverityCritical, "zlib1g")
	inv := testInventory()
	inv.Created = nil
	inv.Name = ""
	v := mustEvaluate(t, Default(), Input{Inventory: inv, Findings: []match.Finding{crit}})
	if !v.Pass || v.Err() != nil {
		t.Fatalf("default policy: Pass = %v, Err = %v; want pass", v.Pass, v.Err())
	}
	want := `policy "default" enforces no rule but integrity: every image without hostile layer entries passes`
	if !slices.Contains(v.Notes, want) {
		t.Errorf("notes %q, want %q", v.Notes, want)
	}
	if got := countingIDs(v); !slices.Equal(got, []string{"CVE-2023-45853"}) {
		t.Errorf("counting = %v, want the finding reported even though it does not fail", got)
	}

	strict, err := New(WithFailOn(match.SeverityCritical))
	if err != nil {
		t.Fatal(err)
	}
	sv := mustEvaluate(t, strict, Input{Inventory: inv, Findings: []match.Finding{crit}})
	if sv.Pass || slices.Contains(sv.Notes, want) {
		t.Errorf("--fail-on critical: Pass = %v, notes %q; want fail without the enforces-nothing note", sv.Pass, sv.Notes)
	}
	if strict.ID().Digest == Default().ID().Digest {
		t.Error("the default policy and a --fail-on policy share a digest")
	}
}

func TestDefaultIsNewWithoutOptions(t *testing.T) {
	p, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := Default().ID(), p.ID(); got != want {
		t.Errorf("Default().ID() = %+v, New().ID() = %+v; want equal", got, want)
	}
}

// One Policy serves many requests at once (registry, admission); verdicts
// from concurrent calls equal the serial one.
func TestEvaluateConcurrent(t *testing.T) {
	p, err := Load(filepath.Join("testdata", "full.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	in := benchInput()
	want, err := p.Evaluate(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			v, err := p.Evaluate(context.Background(), in)
			switch {
			case err != nil:
				errs <- err
			case reasonsText(v.Reasons) != reasonsText(want.Reasons) || len(v.Suppressed) != len(want.Suppressed):
				errs <- fmt.Errorf("concurrent verdict %v, want %v", v.Reasons, want.Reasons)
			default:
				errs <- nil
			}
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func TestParseTooLarge(t *testing.T) {
	data := append(policyYAML("description: |\n"), []byte(strings.Repeat("  x\n", maxPolicySize/4+1))...)
	_, err := Parse(data, "big.yaml")
	if !errors.Is(err, ErrSyntax) || !strings.Contains(err.Error(), "byte limit") {
		t.Errorf("Parse(%d bytes) = %v, want a size error", len(data), err)
	}
}

func TestEvaluateInputErrors(t *testing.T) {
	_, err := Default().Evaluate(context.Background(), Input{})
	if err == nil || !strings.Contains(err.Error(), "no inventory") {
		t.Errorf("Evaluate without an inventory: %v, want an error saying so", err)
	}
}

// Now defaults to the clock, so an exception that expired long ago counts as
// expired without the caller passing a time.
func TestEvaluateNowDefaultsToClock(t *testing.T) {
	p := mustParse(t, "severity:\n  failOn: high\nexceptions:\n  - id: CVE-2023-45853\n    reason: r\n    expires: 2001-01-01\n")
	v, err := p.Evaluate(context.Background(), Input{Inventory: testInventory(), Findings: []match.Finding{newFinding(t, "CVE-2023-45853", match.SeverityCritical, "zlib1g")}})
	if err != nil {
		t.Fatal(err)
	}
	if v.Pass {
		t.Errorf("an exception that expired in 2001 still applied at %v", time.Now())
	}
}

// TestIntegrity is defect 10 in the policy: a layer entry climbing out of
// the root fails the default policy (and any policy) with rule "integrity"
// naming layer and entry; `integrity: warn` makes it a note.
func TestIntegrity(t *testing.T) {
	inv := testInventory()
	inv.Integrity = []inventory.IntegrityFinding{
		{Layer: 1, Entry: "../../var/lib/dpkg/status", Reason: `tar entry "../../var/lib/dpkg/status": name leaves the image root`},
	}
	v := mustEvaluate(t, Default(), Input{Inventory: inv})
	var f *Failure
	if v.Pass || !errors.As(v.Err(), &f) || len(v.Reasons) != 1 || v.Reasons[0].Rule != RuleIntegrity ||
		!slices.Equal(v.Reasons[0].IDs, []string{"layer 1: ../../var/lib/dpkg/status"}) {
		t.Fatalf("default policy: pass %v, reasons %+v; want one integrity reason naming layer 1 and the entry", v.Pass, v.Reasons)
	}
	if !strings.Contains(v.Reasons[0].Message, "1 layer entry reaches outside the image root") {
		t.Errorf("message %q", v.Reasons[0].Message)
	}
	warn, err := Parse([]byte("apiVersion: drydock/v1\nkind: Policy\nintegrity: warn\n"), "warn.yaml")
	if err != nil {
		t.Fatal(err)
	}
	v = mustEvaluate(t, warn, Input{Inventory: inv})
	if !v.Pass || !slices.ContainsFunc(v.Notes, func(n string) bool {
		return strings.Contains(n, "layer 1: ../../var/lib/dpkg/status") && strings.Contains(n, "integrity: warn")
	}) {
		t.Errorf("integrity: warn: pass %v, notes %q; want a pass with a note naming the entry", v.Pass, v.Notes)
	}
	if warn.ID().Digest == Default().ID().Digest {
		t.Error("integrity: warn does not change the policy digest")
	}
	_, err = Parse([]byte("apiVersion: drydock/v1\nkind: Policy\nintegrity: ignore\n"), "bad.yaml")
	var le *LoadError
	if !errors.As(err, &le) || le.Line != 3 || !strings.Contains(err.Error(), "want fail or warn") {
		t.Errorf("integrity: ignore: got %v, want a LoadError on line 3", err)
	}
}
