package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/drydock/drydock/server"
)

// TestDBPushPull is the air-gapped update from the user's side: import on
// the connected machine, `db push` to drydock's own authenticated registry
// (in process), `db pull` on a scanner, `db status` there shows the
// ecosystems and sources the connected machine imported. Refusals are
// exit 2 with the registry's or the puller's reason.
func TestDBPushPull(t *testing.T) {
	const password = "db push admin password"
	_, hs := serveTest(t, server.Config{DataDir: t.TempDir(), AdminPassword: password})
	t.Setenv("DOCKER_CONFIG", t.TempDir()) // no credentials but those given

	ref := strings.TrimPrefix(hs.URL, "http://") + "/mirror/vulndb:latest"
	connected := filepath.Join(t.TempDir(), "vuln.db")
	scanner := filepath.Join(t.TempDir(), "vuln.db")
	creds := []string{"--insecure", "--username", "admin", "--password", password}
	tests := []struct {
		args     []string
		wantCode int
		want     string // a substring of stdout, or of stderr on failure
	}{
		{[]string{"db", "import", "--db", connected, "../../vulndb/testdata/osv"}, exitPass, "5 records"},
		{append([]string{"db", "push", ref, "--db", connected}, creds...), exitPass, "pushed " + strings.TrimSuffix(ref, ":latest") + "@sha256:"},
		{[]string{"db", "push", ref, "--db", connected, "--insecure"}, exitUsage, "no push access to mirror/vulndb"},
		{[]string{"db", "push", ref, "--db", connected, "--insecure", "--username", "admin", "--password", "wrong"}, exitUsage, "UNAUTHORIZED: invalid credentials"},
		{[]string{"db", "push", ref, "--db", connected, "--password", "alone"}, exitUsage, "--password needs --username"},
		{[]string{"db", "pull", "--db", scanner}, exitUsage, "accepts 1 arg"},
		{append([]string{"db", "pull", ref, "--db", scanner}, creds...), exitPass, "5 records"},
		{[]string{"db", "status", "--db", scanner}, exitPass, "Debian:12"},
		{append([]string{"db", "pull", strings.TrimSuffix(ref, ":latest") + ":missing", "--db", scanner}, creds...), exitUsage, "MANIFEST_UNKNOWN"},
	}
	for _, tt := range tests {
		out, errOut, code := runDrydock(t, tt.args...)
		if code != tt.wantCode {
			t.Fatalf("drydock %s: exit %d, want %d (stdout %q, stderr %q)", strings.Join(tt.args, " "), code, tt.wantCode, out, errOut)
		}
		got := out
		if code != exitPass {
			got = errOut
		}
		if !strings.Contains(got, tt.want) {
			t.Errorf("drydock %s: output %q does not contain %q", strings.Join(tt.args, " "), got, tt.want)
		}
	}
}
