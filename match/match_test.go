package match_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/match"
	"github.com/drydock/drydock/vulndb"
)

// fixtures loads match/testdata/osv into a MemSource: a real Source over
// real records, not a mock.
func fixtures(t testing.TB) *match.MemSource {
	t.Helper()
	src, err := match.LoadDir("testdata/osv")
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// fixtureDB builds the same records into a real vulndb SQLite database,
// with opts (KEV, EPSS) given to Build.
func fixtureDB(t testing.TB, opts ...vulndb.Option) *vulndb.DB {
	t.Helper()
	files, err := filepath.Glob("testdata/osv/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("fixtures: %v (%d files)", err, len(files))
	}
	var advs []*vulndb.Advisory
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		advs = append(advs, record(t, string(b)))
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "vulndb.sqlite")
	if err := vulndb.Build(ctx, path, advs, opts...); err != nil {
		t.Fatal(err)
	}
	db, err := vulndb.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// sources are the two real Sources the matching tables run against.
func sources(t *testing.T) map[string]match.Source {
	return map[string]match.Source{"memory": fixtures(t), "vulndb": fixtureDB(t)}
}

func deb(name, version, source, sourceVersion string) inventory.Package {
	return inventory.Package{Name: name, Version: version, Type: inventory.TypeDeb, Ecosystem: "Debian:12",
		SourceName: source, SourceVersion: sourceVersion, Path: "var/lib/dpkg/status"}
}

func pkg(typ, eco, name, version string) inventory.Package {
	return inventory.Package{Name: name, Version: version, Type: typ, Ecosystem: eco, Path: "app"}
}

func TestMatchAroundFixedVersions(t *testing.T) {
	for name, src := range sources(t) {
		t.Run(name, func(t *testing.T) { testAroundFixedVersions(t, src) })
	}
}

func testAroundFixedVersions(t *testing.T, src match.Source) {
	apk := func(name, origin, v string) inventory.Package {
		p := pkg(inventory.TypeAPK, "Alpine:v3.19", name, v)
		p.SourceName = origin
		return p
	}
	ubuntu := func(v string) inventory.Package {
		p := pkg(inventory.TypeDeb, "Ubuntu:24.04:LTS", "openssh-client", v)
		p.SourceName = "openssh"
		return p
	}
	tests := []struct {
		name string
		pkg  inventory.Package
		// want is the primary ID of each finding, in order; nil for none.
		want []string
		// fixed is the fixed versions of the first finding.
		fixed []string
	}{
		// Debian: epoch, ~, +debNuM, source packages.
		{"dpkg epoch below", deb("openssh-client", "1:9.2p1-2+deb12u2", "openssh", ""), []string{"CVE-2024-6387"}, []string{"1:9.2p1-2+deb12u3"}},
		{"dpkg epoch at fixed (backport of 9.8p1's fix)", deb("openssh-client", "1:9.2p1-2+deb12u3", "openssh", ""), nil, nil},
		{"dpkg epoch above", deb("openssh-client", "1:9.2p1-2+deb12u4", "openssh", ""), nil, nil},
		{"dpkg no epoch sorts below epoch 1", deb("openssh-client", "9.9p1-1", "openssh", ""), []string{"CVE-2024-6387"}, []string{"1:9.2p1-2+deb12u3"}},
		{"dpkg tilde below", deb("libssl3", "3.0.11-1~deb12u1", "openssl", ""), []string{"CVE-2023-5363"}, []string{"3.0.11-1~deb12u2"}},
		{"dpkg tilde at fixed", deb("libssl3", "3.0.11-1~deb12u2", "openssl", ""), nil, nil},
		{"dpkg without tilde sorts above it", deb("libssl3", "3.0.11-1", "openssl", ""), nil, nil},
		{"glibc below, binary libc6", deb("libc6", "2.36-9+deb12u1", "glibc", ""), []string{"CVE-2023-4911"}, []string{"2.36-9+deb12u3"}},
		{"glibc at fixed", deb("libc6", "2.36-9+deb12u3", "glibc", ""), nil, nil},
		{"glibc above", deb("libc6", "2.36-9+deb12u4", "glibc", ""), nil, nil},
		{"binNMU of an affected version is affected", deb("libcurl4", "7.88.1-10+deb12u4+b1", "curl", ""), []string{"CVE-2023-28322", "CVE-2023-46218", "CVE-2023-46219"}, []string{"7.88.1-10+deb12u5"}},
		{"binNMU of the fixed version is fixed", deb("libcurl4", "7.88.1-10+deb12u5+b1", "curl", ""), nil, nil},
		{"binary epoch and binNMU, source version below", deb("bsdutils", "1:2.38.1-5+b1", "util-linux", "2.38.1-5"), []string{"CVE-2024-28085"}, []string{"2.38.1-5+deb12u1"}},
		{"binary epoch, source version at fixed", deb("bsdutils", "1:2.38.1-5+deb12u1", "util-linux", "2.38.1-5+deb12u1"), nil, nil},
		{"other Debian release", func() inventory.Package {
			p := deb("libc6", "2.31-13+deb11u6", "glibc", "")
			p.Ecosystem = "Debian:11"
			return p
		}(), []string{"CVE-2023-4911"}, []string{"2.31-13+deb11u7"}},
		{"Ubuntu below", ubuntu("1:9.6p1-3ubuntu13"), []string{"CVE-2024-6387"}, []string{"1:9.6p1-3ubuntu13.3"}},
		{"Ubuntu at fixed", ubuntu("1:9.6p1-3ubuntu13.3"), nil, nil},
		// Alpine -rN, matched by origin.
		{"apk below", apk("libcrypto3", "openssl", "3.1.4-r4"), []string{"CVE-2024-0727"}, []string{"3.1.4-r5"}},
		{"apk at fixed", apk("libcrypto3", "openssl", "3.1.4-r5"), nil, nil},
		{"apk above, r10 > r5", apk("libcrypto3", "openssl", "3.1.4-r10"), nil, nil},
		{"apk release spelt as os-release does", func() inventory.Package {
			p := apk("libcrypto3", "openssl", "3.1.4-r4")
			p.Ecosystem = "Alpine:3.19.1"
			return p
		}(), []string{"CVE-2024-0727"}, []string{"3.1.4-r5"}},
		{"apk other release", func() inventory.Package {
			p := apk("libcrypto3", "openssl", "3.1.4-r4")
			p.Ecosystem = "Alpine:v3.18"
			return p
		}(), nil, nil},
		// PyPI: PEP 440 pre-releases and name normalisation.
		{"PyPI pre-release of the fix", pkg(inventory.TypePython, "PyPI", "Requests", "2.31.0rc1"), []string{"CVE-2023-32681"}, []string{"2.31.0"}},
		{"PyPI at fixed", pkg(inventory.TypePython, "PyPI", "requests", "2.31.0"), nil, nil},
		{"PyPI above (post release)", pkg(inventory.TypePython, "PyPI", "requests", "2.31.0.post1"), nil, nil},
		{"PyPI below introduced", pkg(inventory.TypePython, "PyPI", "requests", "2.2.1"), nil, nil},
		{"same name in another ecosystem", pkg(inventory.TypeNPM, "npm", "requests", "2.0.0"), nil, nil},
		// Maven qualifiers and several pairs in one range.
		{"Maven rc of the fix", pkg(inventory.TypeJava, "Maven", "org.apache.logging.log4j:log4j-core", "2.15.0-rc1"), []string{"CVE-2021-44228"}, []string{"2.15.0"}},
		{"Maven at fixed", pkg(inventory.TypeJava, "Maven", "org.apache.logging.log4j:log4j-core", "2.15.0"), nil, nil},
		{"Maven alpha before beta9", pkg(inventory.TypeJava, "Maven", "org.apache.logging.log4j:log4j-core", "2.0-alpha1"), nil, nil},
		{"Maven at introduced beta9", pkg(inventory.TypeJava, "Maven", "org.apache.logging.log4j:log4j-core", "2.0-beta9"), []string{"CVE-2021-44228"}, []string{"2.3.1"}},
		{"Maven second pair", pkg(inventory.TypeJava, "Maven", "org.apache.logging.log4j:log4j-core", "2.12.1"), []string{"CVE-2021-44228"}, []string{"2.12.2"}},
		{"Maven between pairs", pkg(inventory.TypeJava, "Maven", "org.apache.logging.log4j:log4j-core", "2.12.2"), nil, nil},
		// Go: v prefix, stdlib.
		{"Go module below", pkg(inventory.TypeGoModule, "Go", "golang.org/x/net", "v0.16.0"), []string{"CVE-2023-39325"}, []string{"0.17.0"}},
		{"Go module at fixed", pkg(inventory.TypeGoModule, "Go", "golang.org/x/net", "v0.17.0"), nil, nil},
		{"Go module pseudo-version above", pkg(inventory.TypeGoModule, "Go", "golang.org/x/net", "v0.17.1-0.20231011150407-1b5a2d8a8bd0"), nil, nil},
		{"Go stdlib second pair", pkg(inventory.TypeGoStdlib, "Go", "go", "go1.21.1"), []string{"CVE-2023-39325"}, []string{"1.21.3"}},
		{"Go stdlib as scalibr records it, with an experiment", pkg(inventory.TypeGoStdlib, "Go", "stdlib", "1.21.1 X:boringcrypto"), []string{"CVE-2023-39325"}, []string{"1.21.3"}},
		{"Go stdlib at first fix", pkg(inventory.TypeGoStdlib, "Go", "go", "go1.20.10"), nil, nil},
		{"Go stdlib rc of 1.21 is affected", pkg(inventory.TypeGoStdlib, "Go", "go", "go1.21rc2"), []string{"CVE-2023-39325"}, []string{"1.21.3"}},
		{"Go stdlib at second fix", pkg(inventory.TypeGoStdlib, "Go", "go", "go1.21.3"), nil, nil},
		// npm last_affected: affected up to and including it, no fix.
		{"npm below last_affected", pkg(inventory.TypeNPM, "npm", "ip", "2.0.0"), []string{"CVE-2024-29415"}, nil},
		{"npm at last_affected", pkg(inventory.TypeNPM, "npm", "ip", "2.0.1"), []string{"CVE-2024-29415"}, nil},
		{"npm above last_affected", pkg(inventory.TypeNPM, "npm", "ip", "2.0.2"), nil, nil},
		// limit: at and above the limit is outside the range.
		{"limit below", pkg(inventory.TypeRust, "crates.io", "openssl", "0.10.54"), []string{"GHSA-xcf7-rvmh-g6q4"}, nil},
		{"limit at", pkg(inventory.TypeRust, "crates.io", "openssl", "0.10.55"), nil, nil},
		{"limit above", pkg(inventory.TypeRust, "crates.io", "openssl", "0.10.56"), nil, nil},
		{"before introduced with limit", pkg(inventory.TypeRust, "crates.io", "openssl", "0.9.24"), nil, nil},
		// Withdrawn records never match.
		{"withdrawn", pkg(inventory.TypePython, "PyPI", "py", "1.11.0"), nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inv := &inventory.Inventory{Packages: []inventory.Package{tc.pkg}}
			var warnings []string
			got, err := match.Match(context.Background(), inv, src, match.WithWarnings(func(m string) { warnings = append(warnings, m) }))
			if err != nil {
				t.Fatal(err)
			}
			if len(warnings) > 0 {
				t.Errorf("warnings: %q, want none", warnings)
			}
			var ids []string
			for _, f := range got {
				ids = append(ids, f.ID)
			}
			if !slices.Equal(ids, tc.want) {
				t.Fatalf("findings = %q, want %q", ids, tc.want)
			}
			if len(got) > 0 && !slices.Equal(got[0].Fixed, tc.fixed) {
				t.Errorf("fixed = %q, want %q", got[0].Fixed, tc.fixed)
			}
		})
	}
}

func TestGrouping(t *testing.T) {
	for name, src := range sources(t) {
		t.Run(name, func(t *testing.T) { testGrouping(t, src) })
	}
}

func testGrouping(t *testing.T, src match.Source) {
	tests := []struct {
		name string
		pkg  inventory.Package
		// ids are the IDs of each finding, joined with " ".
		ids      []string
		severity []match.Severity
		distro   []string
	}{
		{"DSA and DEBIAN-CVE are one finding", deb("libc6", "2.36-9+deb12u1", "glibc", ""),
			[]string{"CVE-2023-4911 DEBIAN-CVE-2023-4911 DSA-5514-1"}, []match.Severity{match.SeverityHigh}, []string{"high"}},
		{"a DSA fixing three CVEs is three findings", deb("curl", "7.88.1-10+deb12u4", "curl", ""),
			[]string{"CVE-2023-28322 DSA-5587-1", "CVE-2023-46218 DEBIAN-CVE-2023-46218 DSA-5587-1", "CVE-2023-46219 DSA-5587-1"},
			[]match.Severity{match.SeverityUnknown, match.SeverityHigh, match.SeverityUnknown}, []string{"", "", ""}},
		{"GO and GHSA are one finding", pkg(inventory.TypeGoModule, "Go", "golang.org/x/net", "v0.16.0"),
			[]string{"CVE-2023-39325 GHSA-4374-p667-p6c8 GO-2023-2102"}, []match.Severity{match.SeverityHigh}, []string{""}},
		{"Ubuntu priority beside CVSS", func() inventory.Package {
			p := pkg(inventory.TypeDeb, "Ubuntu:24.04:LTS", "openssh-server", "1:9.6p1-3ubuntu13")
			p.SourceName = "openssh"
			return p
		}(), []string{"CVE-2024-6387 UBUNTU-CVE-2024-6387"}, []match.Severity{match.SeverityHigh}, []string{"high"}},
		{"no vector: unknown, never guessed", func() inventory.Package {
			p := pkg(inventory.TypeAPK, "Alpine:v3.19", "libssl3", "3.1.4-r0")
			p.SourceName = "openssl"
			return p
		}(), []string{"CVE-2024-0727 ALPINE-CVE-2024-0727"}, []match.Severity{match.SeverityUnknown}, []string{""}},
		{"GitHub's word is not a distro's", pkg(inventory.TypePython, "PyPI", "requests", "2.30.0"),
			[]string{"CVE-2023-32681 GHSA-j8r2-6x86-q33q PYSEC-2023-74"}, []match.Severity{match.SeverityMedium}, []string{""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inv := &inventory.Inventory{Packages: []inventory.Package{tc.pkg}}
			got, err := match.Match(context.Background(), inv, src)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			var sev []match.Severity
			var distro []string
			for _, f := range got {
				ids = append(ids, strings.Join(f.IDs, " "))
				sev = append(sev, f.Severity)
				distro = append(distro, f.DistroSeverity)
			}
			if !slices.Equal(ids, tc.ids) {
				t.Fatalf("IDs = %q, want %q", ids, tc.ids)
			}
			if !slices.Equal(sev, tc.severity) {
				t.Errorf("severity = %v, want %v", sev, tc.severity)
			}
			if !slices.Equal(distro, tc.distro) {
				t.Errorf("distro severity = %q, want %q", distro, tc.distro)
			}
		})
	}
}
