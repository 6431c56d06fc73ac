package main

import (
	"io"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/drydock/drydock/image/imagetest"
)

// debianAppLayout is a Debian 12 base layer with a vulnerable glibc and
// curl, under an application layer with a vulnerable npm package, as an
// OCI layout folder.
func debianAppLayout(t *testing.T) string {
	t.Helper()
	status := imagetest.DpkgStanza("libc6", "glibc", "2.36-9+deb12u1") +
		imagetest.DpkgStanza("libcurl4", "curl", "7.88.1-10+deb12u4")
	img := imagetest.Image(t,
		imagetest.Step{Layer: imagetest.Layer(t,
			imagetest.File{Name: "etc/os-release", Body: imagetest.DebianOSRelease},
			imagetest.File{Name: "var/lib/dpkg/status", Body: status},
		), CreatedBy: "/bin/sh -c #(nop) ADD file:6f1d0b8e2c3a4b5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d in / "},
		imagetest.Step{Layer: imagetest.Layer(t,
			imagetest.File{Name: "app/node_modules/ip/package.json", Body: `{"name": "ip", "version": "2.0.1"}`},
			imagetest.File{Name: "app/server.js", Body: "require('ip')\n"},
		), CreatedBy: "RUN /bin/sh -c cd /app && npm ci --omit=dev --no-audit --no-fund && npm cache clean --force # buildkit"},
	)
	return imagetest.LayoutDir(t, img)
}

func widestLine(s string) int {
	n := 0
	for _, l := range strings.Split(s, "\n") {
		n = max(n, utf8.RuneCountInString(l))
	}
	return n
}

// TestScanTableWidth measures the scan table of a Debian base plus an app
// layer: unlimited, and at 80 columns, where every line must fit; piped
// output has no colour.
func TestScanTableWidth(t *testing.T) {
	dir := debianAppLayout(t)
	db := scanDB(t, time.Now())
	args := []string{"scan", dir, "--db", db, "--no-cache", "--format", "table", "--fail-on", "high"}
	t.Setenv("COLUMNS", "1000")
	wide, stderr, code := runDrydock(t, args...)
	if code != exitPolicy {
		t.Fatalf("exit %d (%s); want %d", code, stderr, exitPolicy)
	}
	t.Setenv("COLUMNS", "80")
	out, _, _ := runDrydock(t, args...)
	t.Logf("scan table of a Debian base + app layer: %d columns unlimited, %d at an 80-column terminal:\n%s", widestLine(wide), widestLine(out), out)
	if w := widestLine(out); w > 80 {
		t.Errorf("table is %d columns wide at COLUMNS=80:\n%s", w, out)
	}
	for _, want := range []string{"CVE-2023-4911", "libcurl4", "ip", "2.36-9+deb12u1"} {
		if !strings.Contains(out, want) {
			t.Errorf("80-column table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Errorf("colour in piped output:\n%q", out)
	}
	sbomOut, _, code := runDrydock(t, "sbom", dir, "--no-cache", "--format", "table")
	if w := widestLine(sbomOut); code != 0 || w > 80 {
		t.Errorf("sbom table: exit %d, %d columns wide at COLUMNS=80:\n%s", code, w, sbomOut)
	}
}

// TestProgress: on a terminal (stood in for by the test's buffer) an image
// read that outlasts the delay shows bytes and layers on stderr, ending on
// the final count; --quiet and a pipe show nothing.
func TestProgress(t *testing.T) {
	dir := debianAppLayout(t)
	args := []string{"sbom", dir, "--no-cache", "--format", "json"}
	if _, stderr, _ := runDrydock(t, args...); strings.Contains(stderr, "layers") {
		t.Errorf("progress on a pipe: %q", stderr)
	}
	oldTerm, oldDelay := isTerminal, progressDelay
	t.Cleanup(func() { isTerminal, progressDelay = oldTerm, oldDelay })
	isTerminal = func(io.Writer) bool { return true }
	progressDelay = 0
	_, stderr, code := runDrydock(t, args...)
	if code != 0 || !strings.Contains(stderr, "\r\x1b[K") || !strings.HasSuffix(stderr, ", 2 of 2 layers\n") || !strings.Contains(stderr, " B of ") {
		t.Errorf("terminal: exit %d, stderr %q; want a redrawn line ending on 2 of 2 layers with bytes", code, stderr)
	}
	if _, stderr, _ := runDrydock(t, append(args, "--quiet")...); stderr != "" {
		t.Errorf("--quiet on a terminal: stderr %q", stderr)
	}
}

// TestColor: severities are coloured on a terminal, not with NO_COLOR set.
func TestColor(t *testing.T) {
	dir := debianAppLayout(t)
	db := scanDB(t, time.Now())
	old := isTerminal
	t.Cleanup(func() { isTerminal = old })
	isTerminal = func(io.Writer) bool { return true }
	t.Setenv("NO_COLOR", "")
	out, _, _ := runDrydock(t, "scan", dir, "--db", db, "--no-cache", "--quiet")
	if !strings.Contains(out, "\x1b[31mHIGH\x1b[0m") {
		t.Errorf("terminal: no colour:\n%q", out)
	}
	t.Setenv("NO_COLOR", "1")
	out, _, _ = runDrydock(t, "scan", dir, "--db", db, "--no-cache", "--quiet")
	if strings.Contains(out, "\x1b[") {
		t.Errorf("NO_COLOR: colour anyway:\n%q", out)
	}
}
