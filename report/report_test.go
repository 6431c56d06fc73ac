package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/match"
	"github.com/drydock/drydock/policy"
	"github.com/drydock/drydock/report"
)

// scanned matches a small Debian image with a Go binary and a Java archive
// against match's fixture records (real advisories' facts): a real report,
// not hand-made findings.
func scanned(t testing.TB) *report.Report {
	t.Helper()
	inv := &inventory.Inventory{
		Source: "oci:./build:1.2", Name: "registry.local/team/app",
		Digest:   "sha256:4f2c0e8d7a9b1c3e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6",
		Platform: "linux/amd64",
		OS:       &inventory.OS{ID: "debian", VersionID: "12", Codename: "bookworm"},
		Layers: []inventory.Layer{
			{Index: 0, DiffID: "sha256:aa", CreatedBy: "/bin/sh -c #(nop) ADD file:6f1d0b8e in / "},
			{Index: 1, DiffID: "sha256:bb", CreatedBy: "/bin/sh -c apt-get update && apt-get install -y --no-install-recommends openssh-client curl ca-certificates"},
			{Index: 2, DiffID: "sha256:cc", CreatedBy: "COPY app /app # buildkit"},
		},
		Packages: []inventory.Package{
			{Name: "libc6", Version: "2.36-9+deb12u1", Type: inventory.TypeDeb, Ecosystem: "Debian:12", SourceName: "glibc",
				PURL: "pkg:deb/debian/libc6@2.36-9+deb12u1?arch=amd64&distro=debian-12", Path: "var/lib/dpkg/status", Layer: 0},
			{Name: "libcurl4", Version: "7.88.1-10+deb12u4", Type: inventory.TypeDeb, Ecosystem: "Debian:12", SourceName: "curl",
				PURL: "pkg:deb/debian/libcurl4@7.88.1-10+deb12u4?arch=amd64&distro=debian-12", Path: "var/lib/dpkg/status", Layer: 1},
			{Name: "openssh-client", Version: "1:9.2p1-2+deb12u3", Type: inventory.TypeDeb, Ecosystem: "Debian:12", SourceName: "openssh",
				PURL: "pkg:deb/debian/openssh-client@1:9.2p1-2+deb12u3?arch=amd64&distro=debian-12", Path: "var/lib/dpkg/status", Layer: 1},
			{Name: "golang.org/x/net", Version: "v0.16.0", Type: inventory.TypeGoModule, Ecosystem: "Go",
				PURL: "pkg:golang/golang.org/x/net@v0.16.0", Path: "app/server", Layer: 2},
			{Name: "org.apache.logging.log4j:log4j-core", Version: "2.14.1", Type: inventory.TypeJava, Ecosystem: "Maven",
				PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", Path: "app/lib/log4j core.jar", Layer: 2},
			{Name: "ip", Version: "2.0.1", Type: inventory.TypeNPM, Ecosystem: "npm",
				PURL: "pkg:npm/ip@2.0.1", Path: "app/node_modules/ip/package.json", Layer: 2},
		},
	}
	src, err := match.LoadDir("../match/testdata/osv")
	if err != nil {
		t.Fatal(err)
	}
	src.SetKEV("CVE-2021-44228")
	fs, err := match.Match(context.Background(), inv, src)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 7 {
		t.Fatalf("fixture scan found %d findings, want 7 (glibc, 3 curl, x/net, log4j, ip)", len(fs))
	}
	return &report.Report{
		Inventory: inv, Findings: fs, FailOn: match.SeverityHigh,
		Time:        time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC),
		ToolVersion: "v0.1.0-test",
	}
}

// judge evaluates a real policy built from opts over r's findings.
func judge(t testing.TB, r *report.Report, opts ...policy.Option) *policy.Verdict {
	t.Helper()
	p, err := policy.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	v, err := p.Evaluate(context.Background(), policy.Input{Inventory: r.Inventory, Findings: r.Findings, Now: r.Time})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func write(t testing.TB, f report.Format, r *report.Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := report.Write(&buf, f, r); err != nil {
		t.Fatalf("Write(%s): %v", f, err)
	}
	return buf.Bytes()
}

func TestTable(t *testing.T) {
	r := scanned(t)
	out := string(write(t, report.FormatTable, r))
	lines := strings.Split(out, "\n")
	// Rows in order: critical first, then by package within a severity.
	wantOrder := []string{"CVE-2021-44228", "CVE-2023-39325", "CVE-2024-29415", "CVE-2023-4911", "CVE-2023-46218", "CVE-2023-28322", "CVE-2023-46219"}
	var gotOrder []string
	for _, l := range lines {
		for _, id := range wantOrder {
			if strings.Contains(l, " "+id+" ") {
				gotOrder = append(gotOrder, id)
			}
		}
	}
	if strings.Join(gotOrder, " ") != strings.Join(wantOrder, " ") {
		t.Errorf("row order = %v, want %v\n%s", gotOrder, wantOrder, out)
	}
	for _, want := range []string{
		"CRITICAL KEV",                          // KEV flag shown
		"HIGH          high    CVE-2023-4911",   // Debian urgency beside the CVSS rating
		"none yet",                              // ip has no fix
		"7.88.1-10+deb12u5",                     // curl's fix
		"RUN apt-get update && apt-get install", // created_by, /bin/sh -c dropped
		"COPY app /app\n",                       // "# buildkit" dropped
		"…",                                     // and shortened
		"7 findings (7 distinct IDs): 1 critical, 4 high, 0 medium, 0 low, 2 unknown",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "/bin/sh -c") || strings.Contains(out, "buildkit") {
		t.Errorf("table shows the /bin/sh -c prefix:\n%s", out)
	}
}

// TestTableFitsWidth: at 80 columns every line of the table fits, long
// cells end in "…", and the JSON report still carries them whole.
func TestTableFitsWidth(t *testing.T) {
	r := scanned(t)
	r.Verdict = judge(t, r, policy.WithFailOn(match.SeverityHigh))
	natural := widest(string(write(t, report.FormatTable, r)))
	if natural <= 80 {
		t.Fatalf("the fixture's table is %d wide without a limit; the test needs one wider than 80", natural)
	}
	r.Width = 80
	out := string(write(t, report.FormatTable, r))
	if w := widest(out); w > 80 {
		t.Errorf("table at width 80 is %d wide:\n%s", w, out)
	}
	if !strings.Contains(out, "org.apache.…") || strings.Contains(out, "org.apache.logging.log4j:log4j-core") {
		t.Errorf("the long package name is not cut:\n%s", out)
	}
	if js := string(write(t, report.FormatJSON, r)); !strings.Contains(js, "org.apache.logging.log4j:log4j-core") {
		t.Error("the JSON report lost the whole package name")
	}
	if strings.Contains(out, "\x1b[") {
		t.Errorf("colour without Color:\n%q", out)
	}
}

// TestTableColor colours the severity word and the verdict only.
func TestTableColor(t *testing.T) {
	r := scanned(t)
	r.Verdict = judge(t, r, policy.WithFailOn(match.SeverityHigh))
	r.Color = true
	out := string(write(t, report.FormatTable, r))
	for _, want := range []string{"\x1b[1;31mCRITICAL KEV\x1b[0m", "\x1b[31mHIGH\x1b[0m", "\x1b[1;31mFAIL\x1b[0m"} {
		if !strings.Contains(out, want) {
			t.Errorf("coloured table lacks %q:\n%q", want, out)
		}
	}
	if strings.Contains(out, "\x1b[0m UNKNOWN") || strings.Contains(out, "m"+"UNKNOWN") {
		t.Errorf("unknown severity coloured:\n%q", out)
	}
}

func widest(s string) int {
	n := 0
	for _, l := range strings.Split(s, "\n") {
		n = max(n, utf8.RuneCountInString(l))
	}
	return n
}

func TestTableCleansControlCharacters(t *testing.T) {
	r := scanned(t)
	r.Inventory.Layers[1].CreatedBy = "RUN echo \x1b[31mred\x1b[0m\ttab"
	out := string(write(t, report.FormatTable, r))
	if strings.ContainsAny(out, "\x1b\t") {
		t.Errorf("escape or tab from image content reached the terminal:\n%q", out)
	}
}

func TestJSON(t *testing.T) {
	r := scanned(t)
	r.Verdict = judge(t, r, policy.WithFailOn(match.SeverityHigh))
	var got report.JSONReport
	if err := json.Unmarshal(write(t, report.FormatJSON, r), &got); err != nil {
		t.Fatal(err)
	}
	if got.Schema != report.JSONSchema || got.Generated != "2026-11-25T12:00:00Z" || got.Tool.Version != "v0.1.0-test" {
		t.Errorf("header = %q %q %q", got.Schema, got.Generated, got.Tool.Version)
	}
	want := report.Counts{Critical: 1, High: 4, Unknown: 2, Total: 7}
	if got.Summary != want {
		t.Errorf("summary = %+v, want %+v", got.Summary, want)
	}
	if got.FailOn == nil || *got.FailOn != match.SeverityHigh {
		t.Errorf("failOn = %v, want high", got.FailOn)
	}
	failing := 0
	for _, f := range got.Findings {
		if f.Failing {
			failing++
		}
		if f.Layer == nil || f.Layer.Index != f.Package.Layer {
			t.Errorf("%s: layer = %+v, want index %d", f.ID, f.Layer, f.Package.Layer)
		}
	}
	if failing != 5 {
		t.Errorf("failing findings = %d, want 5 (critical and high)", failing)
	}
	if got.Verdict == nil || got.Verdict.Pass || len(got.Verdict.Findings) != 0 {
		t.Errorf("verdict = %+v, want a failing verdict without a second findings list", got.Verdict)
	}
	if got.Findings[0].ID != "CVE-2021-44228" || !got.Findings[0].KEV || got.Findings[0].Severity != match.SeverityCritical {
		t.Errorf("first finding = %s kev=%v %s, want the critical KEV log4j", got.Findings[0].ID, got.Findings[0].KEV, got.Findings[0].Severity)
	}
}

func TestParseFormat(t *testing.T) {
	for _, f := range report.Formats {
		if got, err := report.ParseFormat(strings.ToUpper(string(f))); err != nil || got != f {
			t.Errorf("ParseFormat(%s) = %q, %v", f, got, err)
		}
	}
	_, err := report.ParseFormat("spdx")
	var fe *report.FormatError
	if !errors.Is(err, report.ErrUnknownFormat) || !errors.As(err, &fe) || !fe.InvalidInput() {
		t.Errorf("ParseFormat(spdx) = %v, want a FormatError wrapping ErrUnknownFormat", err)
	}
	if err := report.Write(&bytes.Buffer{}, report.FormatJSON, &report.Report{}); err == nil {
		t.Error("Write without an inventory succeeded")
	}
}
