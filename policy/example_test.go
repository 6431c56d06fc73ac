package policy_test

import (
	"context"
	"fmt"
	"time"

	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/match"
	"github.com/drydock/drydock/policy"
)

// A policy file fails an image for every reason that applies, and says which
// findings it set aside and why.
func Example() {
	p, err := policy.Parse([]byte(`
apiVersion: drydock/v1
kind: Policy
name: example
severity:
  failOn: high
exceptions:
  - id: CVE-2023-45853
    reason: minizip is not built into our zlib
    expires: 2026-06-30
rules:
  - name: no-telnetd
    message: telnetd must not be installed
    deny: packages.exists(p, p.name == "telnetd")
`), "example.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	zlib := inventory.Package{Name: "zlib1g", Version: "1:1.2.13.dfsg-1", Type: inventory.TypeDeb}
	curl := inventory.Package{Name: "curl", Version: "7.88.1-10", Type: inventory.TypeDeb}
	inv := &inventory.Inventory{
		Name:     "registry.local:5000/team/app",
		Digest:   "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		Packages: []inventory.Package{curl, {Name: "telnetd", Version: "0.17-2", Type: inventory.TypeDeb}, zlib},
	}
	findings := []match.Finding{
		{ID: "CVE-2023-38545", IDs: []string{"CVE-2023-38545"}, Package: curl, Severity: match.SeverityCritical, Fixed: []string{"7.88.1-10+deb12u4"}},
		{ID: "CVE-2023-45853", IDs: []string{"CVE-2023-45853"}, Package: zlib, Severity: match.SeverityCritical},
	}
	v, err := p.Evaluate(context.Background(), policy.Input{
		Inventory: inv, Findings: findings, Now: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("pass:", v.Pass)
	for _, r := range v.Reasons {
		fmt.Println("reason:", r)
	}
	for _, s := range v.Suppressed {
		fmt.Printf("suppressed: %s by %s: %s\n", s.FindingID, s.By, s.Reason)
	}
	fmt.Println(v.Err())
	// Output:
	// pass: false
	// reason: severity.failOn: 1 finding (1 distinct ID) at or above high (CVE-2023-38545)
	// reason: no-telnetd: telnetd must not be installed
	// suppressed: CVE-2023-45853 by exception: minizip is not built into our zlib
	// policy "example" failed (2 reasons); severity.failOn: 1 finding (1 distinct ID) at or above high (CVE-2023-38545); no-telnetd: telnetd must not be installed
}
