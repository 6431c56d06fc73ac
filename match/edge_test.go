package match_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/match"
	"github.com/drydock/drydock/vulndb"
)

func record(t testing.TB, js string) *vulndb.Advisory {
	t.Helper()
	var a vulndb.Advisory
	if err := json.Unmarshal([]byte(js), &a); err != nil {
		t.Fatal(err)
	}
	return &a
}

// counting wraps a real Source and counts the questions asked of it.
type counting struct {
	match.Source
	calls map[string]int
}

func (c *counting) Advisories(ctx context.Context, eco, name string) ([]*vulndb.Advisory, error) {
	c.calls[eco+" "+name]++
	return c.Source.Advisories(ctx, eco, name)
}

func TestQueriesEachPackageOnce(t *testing.T) {
	src := &counting{Source: fixtures(t), calls: map[string]int{}}
	inv := &inventory.Inventory{Packages: []inventory.Package{
		deb("libc6", "2.36-9+deb12u1", "glibc", ""),
		deb("libc-bin", "2.36-9+deb12u1", "glibc", ""),
		deb("libc-l10n", "2.36-9+deb12u1", "glibc", ""),
	}}
	got, err := match.Match(context.Background(), inv, src)
	if err != nil {
		t.Fatal(err)
	}
	if n := src.calls["Debian:12 glibc"]; n != 1 || len(src.calls) != 1 {
		t.Errorf("calls = %v, want Debian:12 glibc once", src.calls)
	}
	if len(got) != 3 {
		t.Errorf("findings = %d, want one per binary package (3)", len(got))
	}
}

func TestPrefersNewestCVSSVersion(t *testing.T) {
	src := match.NewMemSource(record(t, `{"id": "GHSA-test-v4v3-0001", "aliases": ["CVE-2024-0001"],
	  "severity": [
	    {"type": "CVSS_V2", "score": "AV:N/AC:L/Au:N/C:C/I:C/A:C"},
	    {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
	    {"type": "CVSS_V4", "score": "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N"}],
	  "affected": [{"package": {"ecosystem": "npm", "name": "x"},
	    "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.0.0"}]}]}]}`))
	inv := &inventory.Inventory{Packages: []inventory.Package{pkg(inventory.TypeNPM, "npm", "x", "0.9.0")}}
	got, err := match.Match(context.Background(), inv, src)
	if err != nil || len(got) != 1 {
		t.Fatalf("Match = %v, %v; want one finding", got, err)
	}
	f := got[0]
	if f.Severity != match.SeverityMedium || f.Score != 4.8 || !strings.HasPrefix(f.Vector, "CVSS:4.0/") {
		t.Errorf("severity = %v %.1f %s, want the v4 vector's medium 4.8", f.Severity, f.Score, f.Vector)
	}
	if len(f.Ratings) != 3 {
		t.Errorf("ratings = %d, want all 3 vectors", len(f.Ratings))
	}
}

func TestBadDataWarnsAndDoesNotMatch(t *testing.T) {
	src := match.NewMemSource(
		record(t, `{"id": "GHSA-bad-fixed-0001", "aliases": ["CVE-2024-0002"],
		  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:Q"}],
		  "affected": [{"package": {"ecosystem": "Debian:12", "name": "bash"},
		    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "not a version!"}]}]}]}`),
		record(t, `{"id": "GHSA-git-only-0001",
		  "affected": [{"package": {"ecosystem": "Go", "name": "example.com/m"},
		    "ranges": [{"type": "GIT", "repo": "https://example.com/m", "events": [{"introduced": "0"}, {"fixed": "a1b2c3d"}]}]}]}`),
		record(t, `{"id": "GHSA-cvss-bad-0001",
		  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:Q"}],
		  "affected": [{"package": {"ecosystem": "Go", "name": "example.com/n"},
		    "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]}]}`),
	)
	inv := &inventory.Inventory{Packages: []inventory.Package{
		deb("bash", "5.2.15-2+b2", "", ""),
		pkg(inventory.TypeGoModule, "Go", "example.com/m", "v1.0.0"),
		pkg(inventory.TypeGoModule, "Go", "example.com/n", "(devel)"),
		pkg(inventory.TypeGoModule, "Go", "example.com/n", "v1.0.0"),
		pkg(inventory.TypeGoModule, "Go", "example.com/n", "v1."+strings.Repeat("0", 100_000)),
		{Name: "mystery", Version: "1", Type: inventory.TypeRPM},
	}}
	var warnings []string
	got, err := match.Match(context.Background(), inv, src, match.WithWarnings(func(m string) { warnings = append(warnings, m) }))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != "GHSA-cvss-bad-0001" || got[0].Severity != match.SeverityUnknown {
		t.Fatalf("findings = %+v, want only GHSA-cvss-bad-0001 for example.com/n v1.0.0, severity unknown", got)
	}
	want := []string{`fixed "not a version!"`, `"(devel)"`, "a 100003-byte version", `CVSS v3.1 vector "CVSS:3.1/AV:Q"`, "1 rpm package(s) have no OSV ecosystem"}
	all := strings.Join(warnings, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("warnings:\n%s\nwant one containing %q", all, w)
		}
	}
}

func TestEnrichment(t *testing.T) {
	src := fixtures(t)
	src.SetKEV("CVE-2021-44228")
	if err := src.SetEPSS("CVE-2021-44228", 0.944); err != nil {
		t.Fatal(err)
	}
	if err := src.SetEPSS("CVE-2021-44228", 1.5); err == nil {
		t.Error("SetEPSS(1.5) succeeded, want an error")
	}
	inv := &inventory.Inventory{Packages: []inventory.Package{
		pkg(inventory.TypeJava, "Maven", "org.apache.logging.log4j:log4j-core", "2.14.1"),
		pkg(inventory.TypeNPM, "npm", "ip", "2.0.1"),
	}}
	got, err := match.Match(context.Background(), inv, src)
	if err != nil || len(got) != 2 {
		t.Fatalf("Match = %v, %v; want two findings", got, err)
	}
	if !got[0].KEV || got[0].EPSS == nil || *got[0].EPSS != 0.944 {
		t.Errorf("log4j KEV=%v EPSS=%v, want true 0.944", got[0].KEV, got[0].EPSS)
	}
	if got[1].KEV || got[1].EPSS != nil {
		t.Errorf("ip KEV=%v EPSS=%v, want false and none", got[1].KEV, got[1].EPSS)
	}
	got, err = match.Match(context.Background(), inv, src, match.WithEnricher(nil))
	if err != nil || got[0].KEV {
		t.Errorf("WithEnricher(nil): KEV=%v err=%v, want enrichment off", got[0].KEV, err)
	}

	// The vulndb database enriches as it matches.
	db := fixtureDB(t, vulndb.WithKEV("CVE-2021-44228"), vulndb.WithEPSS(map[string]float64{"CVE-2021-44228": 0.944}))
	got, err = match.Match(context.Background(), inv, db)
	if err != nil || len(got) != 2 {
		t.Fatalf("Match(vulndb) = %v, %v; want two findings", got, err)
	}
	if !got[0].KEV || got[0].EPSS == nil || *got[0].EPSS != 0.944 || got[1].KEV {
		t.Errorf("vulndb enrichment: log4j KEV=%v EPSS=%v, ip KEV=%v; want true 0.944 false", got[0].KEV, got[0].EPSS, got[1].KEV)
	}
}

// failing is a Source whose database is gone.
type failing struct{}

func (failing) Advisories(context.Context, string, string) ([]*vulndb.Advisory, error) {
	return nil, errors.New("database is locked")
}

func TestErrors(t *testing.T) {
	inv := &inventory.Inventory{Packages: []inventory.Package{pkg(inventory.TypeNPM, "npm", "ip", "1.0.0")}}
	_, err := match.Match(context.Background(), inv, failing{})
	if err == nil || !strings.Contains(err.Error(), `npm package "ip"`) {
		t.Errorf("source failure: %v, want an error naming the package", err)
	}
	_, err = match.Match(context.Background(), inv, fixtures(t), match.WithWarnings(nil))
	var oe *match.OptionError
	if !errors.As(err, &oe) || !oe.InvalidInput() {
		t.Errorf("WithWarnings(nil): %v, want an *OptionError", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := match.Match(ctx, inv, fixtures(t)); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v, want context.Canceled", err)
	}
	if _, err := match.LoadDir("testdata/nonexistent"); err == nil {
		t.Error("LoadDir of a missing folder succeeded")
	}
}

// BenchmarkMatch300 matches a 300-package inventory (Debian, Go, npm,
// PyPI, Maven in the proportions of a typical service image) against the
// fixture records.
func BenchmarkMatch300(b *testing.B) {
	inv := &inventory.Inventory{}
	for i := range 300 {
		var p inventory.Package
		switch i % 6 {
		case 0:
			p = deb(fmt.Sprintf("libc%d", i), "2.36-9+deb12u1", "glibc", "")
		case 1:
			p = deb(fmt.Sprintf("lib%d", i), fmt.Sprintf("1.%d-1", i), fmt.Sprintf("src%d", i), "")
		case 2:
			p = deb("openssh-client", fmt.Sprintf("1:9.2p1-2+deb12u%d", i%5), "openssh", "")
		case 3:
			p = pkg(inventory.TypeGoModule, "Go", "golang.org/x/net", fmt.Sprintf("v0.%d.0", i%20))
		case 4:
			p = pkg(inventory.TypeNPM, "npm", fmt.Sprintf("pkg%d", i), "1.0.0")
		case 5:
			p = pkg(inventory.TypeJava, "Maven", "org.apache.logging.log4j:log4j-core", fmt.Sprintf("2.%d.0", i%17))
		}
		inv.Packages = append(inv.Packages, p)
	}
	ctx := context.Background()
	for name, src := range map[string]match.Source{"memory": fixtures(b), "vulndb": fixtureDB(b)} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := match.Match(ctx, inv, src); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// Red Hat's records name source or binary RPMs and write epochs; the
// catalog keeps the epoch in the PURL. Records are filed per repository
// ("…::baseos") while the catalog names the product stream an image is on
// ("Red Hat:enterprise_linux:9"); another stream is never matched. Facts of
// RHSA-2024:2447 (openssl 1:3.0.7-27.el9 on RHEL 9).
func TestRPMSourceNameAndEpoch(t *testing.T) {
	const eco = "Red Hat:enterprise_linux:9::baseos"
	const rhel9, rhel8 = "Red Hat:enterprise_linux:9", "Red Hat:enterprise_linux:8"
	src := match.NewMemSource(record(t, `{"id": "RHSA-2024:2447", "modified": "2024-04-30T00:00:00Z",
	  "upstream": ["CVE-2023-5678", "CVE-2024-0727"],
	  "summary": "Moderate: openssl security and bug fix update",
	  "affected": [{"package": {"ecosystem": "`+eco+`", "name": "openssl"},
	    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1:3.0.7-27.el9"}]}]}]}`))
	rpm := func(stream, version, purlEpoch string) inventory.Package {
		p := pkg(inventory.TypeRPM, stream, "openssl-libs", version)
		p.SourceName, p.SourceVersion = "openssl", version
		p.PURL = "pkg:rpm/redhat/openssl-libs@" + version + "?arch=x86_64"
		if purlEpoch != "" {
			p.PURL += "&epoch=" + purlEpoch
		}
		return p
	}
	tests := []struct {
		name string
		pkg  inventory.Package
		want int
	}{
		{"below the fix, epoch from the PURL", rpm(rhel9, "3.0.7-24.el9", "1"), 2},
		{"below the fix, record's own spelling", rpm(eco, "3.0.7-24.el9", "1"), 2},
		{"at the fix, epoch from the PURL", rpm(rhel9, "3.0.7-27.el9", "1"), 0},
		{"above the fix, epoch in the version", rpm(rhel9, "1:3.0.7-28.el9", ""), 0},
		{"below the fix on another stream", rpm(rhel8, "3.0.7-24.el9", "1"), 0},
	}
	for _, tc := range tests {
		got, err := match.Match(context.Background(), &inventory.Inventory{Packages: []inventory.Package{tc.pkg}}, src)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != tc.want {
			t.Errorf("%s: %d findings, want %d", tc.name, len(got), tc.want)
		}
		for _, f := range got {
			if f.DistroSeverity != "moderate" || f.Installed != "1:3.0.7-24.el9" {
				t.Errorf("%s: %s distro severity %q installed %q, want moderate and the epoch shown", tc.name, f.ID, f.DistroSeverity, f.Installed)
			}
		}
	}
}

// A finding is described by the record about its one CVE, not by the
// bulletin that fixed several ("curl - security update").
func TestSummaryPrefersTheCVERecord(t *testing.T) {
	inv := &inventory.Inventory{Packages: []inventory.Package{
		deb("libc6", "2.36-9+deb12u1", "glibc", ""),
		deb("libcurl4", "7.88.1-10+deb12u4", "curl", ""),
		pkg(inventory.TypePython, "PyPI", "requests", "2.30.0"),
	}}
	got, err := match.Match(context.Background(), inv, fixtures(t))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"CVE-2023-4911":  "A buffer overflow was discovered in the GNU C Library's dynamic loader",
		"CVE-2023-46218": "This flaw allows a malicious HTTP server",
		"CVE-2023-28322": "curl - security update", // only the bulletin speaks of it
		"CVE-2023-32681": "Unintended leak of Proxy-Authorization header in requests",
	}
	for _, f := range got {
		if w, ok := want[f.ID]; ok && !strings.HasPrefix(f.Summary, w) {
			t.Errorf("%s summary = %q, want it to start %q", f.ID, f.Summary, w)
		}
	}
}

// Wolfi's records name the package itself: a subpackage is found by its

func TestWolfiByPackageAndOrigin(t *testing.T) {
	src := match.NewMemSource(record(t, `{"id": "CGA-test-0001", "aliases": ["CVE-2024-0727"], "modified": "2024-02-01T00:00:00Z",
	  "affected": [{"package": {"ecosystem": "Wolfi", "name": "libcrypto3"},
	    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.2.1-r0"}]}]}]}`))
	p := pkg(inventory.TypeAPK, "Wolfi", "libcrypto3", "3.2.0-r3")
	p.SourceName = "openssl"
	got, err := match.Match(context.Background(), &inventory.Inventory{Packages: []inventory.Package{p}}, src)
	if err != nil || len(got) != 1 || got[0].ID != "CVE-2024-0727" {
		t.Errorf("Match = %+v, %v; want CVE-2024-0727 through the package's own name", got, err)
	}
}
