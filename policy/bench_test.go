package policy

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/drydock/drydock/match"
)

// benchInput is an image of 300 packages with 200 findings, about the size
// of a Debian image with a language runtime on top.
func benchInput() Input {
	inv := testInventory()
	inv.Packages = inv.Packages[:0]
	for i := range 300 {
		inv.Packages = append(inv.Packages, debPkg(fmt.Sprintf("lib%03d", i), "1.2.3-1", fmt.Sprintf("src%03d", i/3)))
	}
	findings := make([]match.Finding, 0, 200)
	for i := range 200 {
		p := inv.Packages[i%len(inv.Packages)]
		f := match.Finding{
			ID: fmt.Sprintf("CVE-2024-%05d", i), Package: p, Installed: p.Version,
			Severity: match.Severity(1 + i%4), Score: float64(i%10) + 0.5, KEV: i%50 == 0,
		}
		f.IDs = []string{f.ID, fmt.Sprintf("DSA-%04d-1", i)}
		if i%3 == 0 {
			f.Fixed = []string{"1.2.3-2"}
		}
		findings = append(findings, f)
	}
	return Input{Inventory: inv, Findings: findings, Now: testNow}
}

const benchPolicy = `
severity:
  failOn: critical
fixableOnly: true
exceptions:
  - id: CVE-2024-00007
    reason: benchmark
    expires: 2026-12-31
registries:
  allowed: [registry.local:5000]
maxAge: 90d
rules:
  - name: no-telnetd
    message: telnetd must not be installed
    deny: packages.exists(p, p.name == "telnetd")
  - name: no-kev
    message: known exploited vulnerabilities must be fixed
    deny: findings.exists(f, f.kev)
    ids: findings.filter(f, f.kev).map(f, f.id)
  - name: gpl3-free
    message: no GPL-3.0 packages in the runtime image
    deny: packages.exists(p, "GPL-3.0-only" in p.licenses)
`

// BenchmarkEvaluate judges 300 packages and 200 findings with three CEL
// rules, exceptions and an OpenVEX document: the per-image cost of the
// registry's scan on push and of admission.
func BenchmarkEvaluate(b *testing.B) {
	p, err := Parse(policyYAML(benchPolicy), "bench.yaml", WithVEX(filepath.Join("testdata", "vex", "app.openvex.json")))
	if err != nil {
		b.Fatal(err)
	}
	in := benchInput()
	ctx := context.Background()
	v, err := p.Evaluate(ctx, in)
	if err != nil {
		b.Fatal(err)
	}
	if v.Pass || reasonFor(v, "no-kev") == nil || reasonFor(v, RuleSeverity) == nil {
		b.Fatalf("benchmark input should fail no-kev and severity; reasons %v", v.Reasons)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Evaluate(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParse loads and compiles the example policy with every field.
func BenchmarkParse(b *testing.B) {
	for b.Loop() {
		if _, err := Load(filepath.Join("testdata", "full.yaml")); err != nil {
			b.Fatal(err)
		}
	}
}
