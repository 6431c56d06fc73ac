package policy

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/match"
)

// The image the fixtures are about: its digest is the one the VEX document
// in testdata/vex names.
const (
	testDigest = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	testName   = "registry.local:5000/team/app"
)

var testNow = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

// testInventory is a small Debian 12 image built by hand.
func testInventory() *inventory.Inventory {
	created := time.Date(2026, 2, 1, 8, 0, 0, 0, time.UTC)
	return &inventory.Inventory{
		Source:   "oci:./build:1.4.2",
		Name:     testName,
		Digest:   testDigest,
		Platform: "linux/amd64",
		Created:  &created,
		OS:       &inventory.OS{ID: "debian", VersionID: "12", Codename: "bookworm"},
		Layers: []inventory.Layer{
			{Index: 0, DiffID: "sha256:aa", CreatedBy: "ADD rootfs.tar.xz /"},
			{Index: 1, DiffID: "sha256:bb", CreatedBy: "COPY server /app/server"},
		},
		Packages: []inventory.Package{
			debPkg("libc6", "2.36-9+deb12u1", "glibc"),
			debPkg("zlib1g", "1:1.2.13.dfsg-1", "zlib"),
			debPkg("curl", "7.88.1-10+deb12u4", "curl"),
			{Name: "golang.org/x/net", Version: "v0.17.0", Type: inventory.TypeGoModule, PURL: "pkg:golang/golang.org/x/net@v0.17.0", Ecosystem: "Go", Path: "app/server", Layer: 1},
		},
	}
}

func debPkg(name, version, source string) inventory.Package {
	return inventory.Package{
		Name: name, Version: version, Type: inventory.TypeDeb, SourceName: source,
		PURL:      "pkg:deb/debian/" + name + "@" + version + "?arch=amd64&distro=debian-12",
		Ecosystem: "Debian:12", Path: "var/lib/dpkg/status", Layer: 0,
	}
}

// newFinding builds a finding in the named package of testInventory.
func newFinding(t testing.TB, id string, sev match.Severity, pkg string, fixed ...string) match.Finding {
	t.Helper()
	inv := testInventory()
	i := slices.IndexFunc(inv.Packages, func(p inventory.Package) bool { return p.Name == pkg })
	if i < 0 {
		t.Fatalf("no package %q in the test inventory", pkg)
	}
	return match.Finding{ID: id, IDs: []string{id}, Package: inv.Packages[i], Installed: inv.Packages[i].Version, Severity: sev, Fixed: fixed}
}

// policyYAML prefixes the header to a policy body.
func policyYAML(body string) []byte {
	return []byte("apiVersion: drydock/v1\nkind: Policy\n" + strings.TrimLeft(body, "\n"))
}

func mustParse(t testing.TB, body string, opts ...Option) *Policy {
	t.Helper()
	p, err := Parse(policyYAML(body), "test.yaml", opts...)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return p
}

func mustEvaluate(t testing.TB, p *Policy, in Input) *Verdict {
	t.Helper()
	if in.Inventory == nil {
		in.Inventory = testInventory()
	}
	if in.Now.IsZero() {
		in.Now = testNow
	}
	v, err := p.Evaluate(context.Background(), in)
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	if v.Pass != (len(v.Reasons) == 0) {
		t.Fatalf("verdict Pass = %v with %d reasons", v.Pass, len(v.Reasons))
	}
	return v
}

// reasonFor returns the reason of rule, or nil.
func reasonFor(v *Verdict, rule string) *Reason {
	for i := range v.Reasons {
		if v.Reasons[i].Rule == rule {
			return &v.Reasons[i]
		}
	}
	return nil
}

func suppressedIDs(v *Verdict) []string {
	var ids []string
	for _, s := range v.Suppressed {
		ids = append(ids, s.FindingID+"/"+s.By)
	}
	return ids
}

func countingIDs(v *Verdict) []string {
	var ids []string
	for _, f := range v.Findings {
		ids = append(ids, f.ID)
	}
	return ids
}
