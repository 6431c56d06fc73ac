package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestScanCommandFlags covers the flags Trivy and Grype users reach for,
// on a Debian base (glibc high, curl high and two unknown) plus an app
// layer (npm ip, high, no fix yet).
func TestScanCommandFlags(t *testing.T) {
	dir := debianAppLayout(t)
	db := scanDB(t, time.Now())
	stale := scanDB(t, time.Now().Add(-30*24*time.Hour))
	missing := filepath.Join(t.TempDir(), "missing-ignore")
	tests := []struct {
		name string
		args []string
		code int
		// out and stderr must contain these; notOut must not be in out.
		out, stderr, notOut string
	}{
		{"severity filters", []string{"--severity", "unknown"}, 0, "2 findings (2 distinct IDs): 0 critical, 0 high", "", "CVE-2023-4911"},
		{"severity with exit code fails", []string{"--severity", "HIGH,critical", "--exit-code", "1"}, 1, "3 findings (3 distinct IDs) of the listed severities", "reasons above", "CVE-2023-28322"},
		{"exit code alone fails on anything", []string{"--exit-code", "1"}, 1, "5 findings (5 distinct IDs) counting", "", ""},
		{"exit code 0 reports only", []string{"--fail-on", "high", "--exit-code", "0"}, 0, "FAIL", "exit 0 because of --exit-code 0", ""},
		{"exit code out of the contract", []string{"--exit-code", "3"}, 2, "", "--exit-code 3: want 1 or 0", ""},
		{"bad severity", []string{"--severity", "high,severe"}, 2, "", `"severe" is not one of`, ""},
		{"only-fixed is ignore-unfixed", []string{"--only-fixed"}, 0, "4 findings", "", "CVE-2024-29415"},
		{"cyclonedx-json alias", []string{"--format", "cyclonedx-json"}, 0, `"bomFormat": "CycloneDX"`, "", ""},
		{"vendor severity source", []string{"--severity-source", "vendor", "--fail-on", "high"}, 1, "HIGH      CVE-2023-4911", "", ""},
		{"unknown severity source", []string{"--severity-source", "nvd"}, 2, "", "want cvss or vendor", ""},
		{"timeout", []string{"--timeout", "1ns"}, 2, "", "gave up after --timeout 1ns", ""},
		{"missing ignore file", []string{"--ignorefile", missing}, 2, "", "missing-ignore", ""},
		{"stale database warns", []string{"--db", stale}, 0, "", "warning: the vulnerability database", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"scan", dir, "--no-cache"}, tc.args...)
			if !strings.Contains(strings.Join(tc.args, " "), "--db") {
				args = append(args, "--db", db)
			}
			out, stderr, code := runDrydock(t, args...)
			if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(stderr, tc.stderr) || (tc.notOut != "" && strings.Contains(out, tc.notOut)) {
				t.Errorf("exit %d, want %d; stdout has %q: %v, lacks %q: %v; stderr has %q: %v\nstdout:\n%s\nstderr:\n%s",
					code, tc.code, tc.out, strings.Contains(out, tc.out), tc.notOut, !strings.Contains(out, tc.notOut), tc.stderr, strings.Contains(stderr, tc.stderr), out, stderr)
			}
		})
	}
	t.Run("quiet", func(t *testing.T) {
		_, stderr, code := runDrydock(t, "scan", dir, "--no-cache", "--db", stale, "--quiet")
		if code != 0 || stderr != "" {
			t.Errorf("--quiet: exit %d, stderr %q; want 0 and nothing", code, stderr)
		}
	})
}

// TestScanCommandIgnoreFile: ./.drydockignore is read by default, its
// entries suppress findings, an expired one is warned about and not
// applied; --ignorefile "" reads none.
func TestScanCommandIgnoreFile(t *testing.T) {
	dir := debianAppLayout(t)
	db := scanDB(t, time.Now())
	work := t.TempDir()
	t.Chdir(work)
	ignore := "CVE-2023-4911 package=glibc # no setuid binaries in this image\n" +
		"CVE-2023-46218 expires=2020-01-01 # waited for the point release\n" +
		"CVE-2024-29415 pkg:npm/ip expires=2099-12-31\n"
	if err := os.WriteFile(filepath.Join(work, ".drydockignore"), []byte(ignore), 0o600); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := runDrydock(t, "scan", dir, "--no-cache", "--db", db, "--fail-on", "high")
	if code != exitPolicy {
		t.Fatalf("exit %d (%s), want %d: the expired entry's high finding counts", code, stderr, exitPolicy)
	}
	for _, want := range []string{"suppressed: CVE-2023-4911", "no setuid binaries", "suppressed: CVE-2024-29415", ".drydockignore:3", "CVE-2023-46218"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(stderr, ".drydockignore:2: the entry for CVE-2023-46218 expired on 2020-01-01 and is not applied") {
		t.Errorf("stderr lacks the expiry warning: %q", stderr)
	}
	out, _, _ = runDrydock(t, "scan", dir, "--no-cache", "--db", db, "--ignorefile", "")
	if strings.Contains(out, "suppressed:") {
		t.Errorf(`--ignorefile "": entries still applied:\n%s`, out)
	}
}
