package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/drydock/drydock/image/imagetest"
	"github.com/drydock/drydock/report"
	"github.com/drydock/drydock/vulndb"
	"github.com/drydock/drydock/vulndb/vulndbtest"
)

// vulnerableLayout is a bookworm image whose libc6 (source glibc) is below
// the fix of CVE-2023-4911 and whose openssh-client is at its fix.
func vulnerableLayout(t *testing.T) string {
	t.Helper()
	status := imagetest.DpkgStanza("libc6", "glibc", "2.36-9+deb12u1") +
		imagetest.DpkgStanza("openssh-client", "openssh", "1:9.2p1-2+deb12u3")
	img := imagetest.Image(t, imagetest.Step{Layer: imagetest.Layer(t,
		imagetest.File{Name: "etc/os-release", Body: imagetest.DebianOSRelease},
		imagetest.File{Name: "var/lib/dpkg/status", Body: status},
	), CreatedBy: "ADD rootfs.tar /"})
	return "oci:" + imagetest.LayoutDir(t, img)
}

// scanDB builds match's fixture records into a real database checked at
// checked; it returns the file's path.
func scanDB(t *testing.T, checked time.Time) string {
	t.Helper()
	return vulndbtest.FixturePath(t, vulndb.WithClock(func() time.Time { return checked }))
}

func TestScanCommand(t *testing.T) {
	ref := vulnerableLayout(t)
	db := scanDB(t, time.Now())
	policyFile := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(policyFile, []byte("apiVersion: drydock/v1\nkind: Policy\nseverity:\n  failOn: critical\nexceptions:\n  - id: CVE-2023-4911\n    reason: not reachable in this image\n    expires: 2099-01-01\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	vexFile := filepath.Join(t.TempDir(), "app.openvex.json")
	if err := os.WriteFile(vexFile, []byte(`{"@context": "https://openvex.dev/ns/v0.2.0",
	  "@id": "https://vex.example.com/app/1", "author": "Platform Security", "timestamp": "2026-01-10T12:00:00Z", "version": 1,
	  "statements": [{"vulnerability": {"name": "CVE-2023-4911"}, "products": [{"@id": "pkg:deb/debian/libc6"}],
	    "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		// out and stderr must contain these.
		out, stderr string
	}{
		{"pass without a threshold", []string{"--format", "table"}, 0, "CVE-2023-4911", ""},
		{"fail on high", []string{"--fail-on", "high"}, 1, "1 finding (1 distinct ID): 0 critical, 1 high", "reasons above"},
		{"fail on critical passes", []string{"--fail-on", "critical"}, 0, "HIGH", ""},
		{"json", []string{"--format", "json", "--fail-on", "HIGH"}, 1, `"schema": "drydock/scan-report/v1"`, "severity.failOn"},
		{"sarif", []string{"--format", "sarif"}, 0, `"version": "2.1.0"`, ""},
		{"junit", []string{"--format", "junit", "--fail-on", "high"}, 1, `failures="2"`, ""},
		{"cyclonedx", []string{"--format", "cyclonedx"}, 0, `"vulnerabilities"`, ""},
		{"policy exception suppresses", []string{"--policy", policyFile, "--fail-on", "high"}, 0, "suppressed: CVE-2023-4911", ""},
		{"VEX statement suppresses", []string{"--vex", vexFile, "--fail-on", "high"}, 0, "suppressed: CVE-2023-4911", ""},
		{"missing VEX file", []string{"--vex", "/nonexistent/x.openvex.json"}, 2, "", "x.openvex.json"},
		{"bad format", []string{"--format", "xml"}, 2, "", "unknown format"},
		{"bad threshold", []string{"--fail-on", "severe"}, 2, "", "--fail-on"},
		{"unknown is no threshold", []string{"--fail-on", "unknown"}, 2, "", "--fail-on"},
		{"missing policy", []string{"--policy", "/nonexistent/policy.yaml"}, 2, "", "policy"},
		{"missing database", []string{"--db", "/nonexistent/vuln.db"}, 2, "", "no vulnerability database"},
		{"bad platform", []string{"--platform", "linux"}, 2, "", "--platform"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"scan", ref, "--no-cache"}, tc.args...)
			if !strings.Contains(strings.Join(tc.args, " "), "--db") {
				args = append(args, "--db", db)
			}
			out, stderr, code := runDrydock(t, args...)
			if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(stderr, tc.stderr) {
				t.Errorf("exit %d, want %d; stdout has %q: %v; stderr has %q: %v\nstdout:\n%s\nstderr:\n%s",
					code, tc.code, tc.out, strings.Contains(out, tc.out), tc.stderr, strings.Contains(stderr, tc.stderr), out, stderr)
			}
		})
	}
}

func TestScanCommandOutputAndStaleness(t *testing.T) {
	ref := vulnerableLayout(t)
	db := scanDB(t, time.Now().Add(-30*24*time.Hour))
	file := filepath.Join(t.TempDir(), "scan.json")
	out, stderr, code := runDrydock(t, "scan", ref, "--no-cache", "--db", db, "--format", "json", "--output", file)
	if code != 0 || out != "" {
		t.Fatalf("exit %d, stdout %q: want 0 and the report in the file; stderr: %s", code, out, stderr)
	}
	if !strings.Contains(stderr, "last checked") || !strings.Contains(stderr, "drydock db update") {
		t.Errorf("stderr %q: want a staleness warning for a 30-day-old database", stderr)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var rep report.JSONReport
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Summary.Total != 1 || rep.Findings[0].ID != "CVE-2023-4911" || rep.Findings[0].Layer == nil {
		t.Errorf("report %+v: want CVE-2023-4911 in layer 0", rep.Summary)
	}
}

// TestScanCommandIntegrity is defect 10 end to end: a layer entry climbing
// out of the root is an integrity finding that fails the default policy
// (exit 1, the table naming layer and entry); a policy saying
// `integrity: warn` lets the image pass (exit 0) with a note.
func TestScanCommandIntegrity(t *testing.T) {
	img := imagetest.Image(t,
		imagetest.Step{Layer: imagetest.Layer(t, imagetest.File{Name: "etc/os-release", Body: imagetest.DebianOSRelease}), CreatedBy: "ADD rootfs.tar /"},
		imagetest.Step{Layer: imagetest.Layer(t,
			imagetest.File{Name: "../../var/lib/dpkg/status", Body: "Package: evil\nStatus: install ok installed\nVersion: 1\n\n"},
		), CreatedBy: "COPY payload /"},
	)
	dir := imagetest.LayoutDir(t, img)
	db := scanDB(t, time.Now())
	out, stderr, code := runDrydock(t, "scan", dir, "--db", db, "--no-cache", "--format", "table")
	if code != exitPolicy {
		t.Fatalf("default policy: exit %d (%s); want %d", code, stderr, exitPolicy)
	}
	for _, want := range []string{`integrity: layer 1: tar entry "../../var/lib/dpkg/status": name leaves`, "(layer 1: ../../var/lib/dpkg/status)"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	out, _, _ = runDrydock(t, "scan", dir, "--db", db, "--no-cache", "--format", "json")
	var rep report.JSONReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Integrity) != 1 || rep.Integrity[0].Layer != 1 || rep.Integrity[0].Entry != "../../var/lib/dpkg/status" {
		t.Errorf("json integrity = %+v; want layer 1 and the entry", rep.Integrity)
	}
	pol := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(pol, []byte("apiVersion: drydock/v1\nkind: Policy\nintegrity: warn\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, stderr, code = runDrydock(t, "scan", dir, "--db", db, "--no-cache", "--format", "table", "--policy", pol)
	if code != exitPass || !strings.Contains(out, "not failing (integrity: warn)") {
		t.Errorf("integrity: warn: exit %d (%s), table:\n%s\nwant a pass with a note", code, stderr, out)
	}
}
