package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/crane"

	"github.com/drydock/drydock/server"
)

// drydockRegistry starts drydock's own registry in process with an admin
// and a user "bob" who holds no role anywhere, with team/app:1.2 pushed;
// it returns host:port.
func drydockRegistry(t *testing.T, adminPassword, bobPassword string) string {
	t.Helper()
	_, hs := serveTest(t, server.Config{DataDir: t.TempDir(), AdminPassword: adminPassword})
	body, _ := json.Marshal(map[string]any{"name": "bob", "password": bobPassword})
	req, _ := http.NewRequest(http.MethodPost, hs.URL+"/api/v1/users", bytes.NewReader(body))
	req.SetBasicAuth("admin", adminPassword)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("creating bob: %s", resp.Status)
	}
	host := strings.TrimPrefix(hs.URL, "http://")
	img := debianImage(t, "7.88.1-10+deb12u5")
	if err := crane.Push(img, host+"/team/app:1.2", crane.Insecure, crane.WithAuth(&authn.Basic{Username: "admin", Password: adminPassword})); err != nil {
		t.Fatal(err)
	}
	return host
}

// TestLoginLogout: login checks the credentials with drydock's registry
// and writes them to $DOCKER_CONFIG/config.json, where scan and sbom find
// them; wrong ones are refused and not stored; logout removes them. The
// refusal hint says what is missing: credentials, or rights.
func TestLoginLogout(t *testing.T) {
	const adminPW, bobPW = "login admin password", "bob's long password"
	host := drydockRegistry(t, adminPW, bobPW)
	cfgDir := t.TempDir()
	t.Setenv("DOCKER_CONFIG", cfgDir)
	t.Setenv("DRYDOCK_USERNAME", "")
	t.Setenv("DRYDOCK_PASSWORD", "")
	ref := host + "/team/app:1.2"
	cfgFile := filepath.Join(cfgDir, "config.json")

	// Anonymous: the hint says how to give credentials.
	_, stderr, code := runDrydock(t, "sbom", ref, "--insecure", "--no-cache", "--format", "json")
	if code != exitUsage || !strings.Contains(stderr, "no registry credentials for "+host+": run `drydock login "+host+"`") {
		t.Errorf("anonymous sbom: exit %d, %q; want exit 2 and the login hint", code, stderr)
	}

	// The environment's credentials reach db push and pull, and scan.
	t.Setenv("DRYDOCK_USERNAME", "admin")
	t.Setenv("DRYDOCK_PASSWORD", adminPW)
	db := filepath.Join(t.TempDir(), "vuln.db")
	if out, stderr, code := runDrydock(t, "db", "import", "--db", db, "../../vulndb/testdata/osv"); code != exitPass {
		t.Fatalf("db import: exit %d %q %q", code, out, stderr)
	}
	for _, args := range [][]string{
		{"db", "push", host + "/mirror/vulndb:1", "--db", db, "--insecure"},
		{"db", "pull", host + "/mirror/vulndb:1", "--db", filepath.Join(t.TempDir(), "pulled.db"), "--insecure"},
		{"scan", ref, "--db", db, "--insecure", "--no-cache", "--format", "json"},
	} {
		if _, stderr, code := runDrydock(t, args...); code != exitPass {
			t.Errorf("drydock %s with $DRYDOCK_USERNAME: exit %d, %s", strings.Join(args, " "), code, stderr)
		}
	}
	t.Setenv("DRYDOCK_USERNAME", "")
	t.Setenv("DRYDOCK_PASSWORD", "")
	_, stderr, _ = runDrydock(t, "db", "push", host+"/mirror/vulndb:1", "--db", db, "--insecure")
	if !strings.Contains(stderr, "no registry credentials for "+host) {
		t.Errorf("anonymous db push: %q; want the login hint", stderr)
	}

	out, stderr, code := runAccounts(t, "wrong password\n", "login", host, "-u", "admin", "--password-stdin", "--insecure")
	if code != exitUsage || !strings.Contains(stderr, "refused the credentials of admin") {
		t.Errorf("wrong password: exit %d, %q %q; want exit 2 saying the credentials were refused", code, out, stderr)
	}
	if _, err := os.Stat(cfgFile); err == nil {
		t.Error("a refused login wrote the Docker config")
	}

	out, stderr, code = runAccounts(t, adminPW+"\n", "login", "http://"+host+"/", "-u", "admin", "--password-stdin", "--insecure")
	if code != exitPass || !strings.Contains(out, "logged in to "+host+" as admin") {
		t.Fatalf("login: exit %d, %q %q", code, out, stderr)
	}
	raw, err := os.ReadFile(cfgFile)
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Auths map[string]struct{ Auth string } `json:"auths"`
	}
	if err := json.Unmarshal(raw, &cfg); err != nil || cfg.Auths[host].Auth == "" {
		t.Fatalf("config.json = %s (%v); want an auths entry for %s", raw, err, host)
	}
	// crane's own keychain reads what login wrote.
	if _, err := crane.Digest(ref, crane.Insecure, crane.WithAuthFromKeychain(authn.DefaultKeychain)); err != nil {
		t.Errorf("crane with the stored credentials: %v", err)
	}
	if _, stderr, code := runDrydock(t, "sbom", ref, "--insecure", "--no-cache", "--format", "json"); code != exitPass {
		t.Errorf("sbom after login: exit %d, %s", code, stderr)
	}

	// Credentials that log in but lack rights: no --username hint.
	t.Setenv("DRYDOCK_USERNAME", "bob")
	t.Setenv("DRYDOCK_PASSWORD", bobPW)
	_, stderr, code = runDrydock(t, "sbom", ref, "--insecure", "--no-cache", "--format", "json")
	if code != exitUsage || !strings.Contains(stderr, "bob has no access to team/app") || strings.Contains(stderr, "--username") {
		t.Errorf("bob: exit %d, %q; want exit 2 naming the missing rights without the login hint", code, stderr)
	}
	t.Setenv("DRYDOCK_PASSWORD", "not bob's password")
	_, stderr, _ = runDrydock(t, "sbom", ref, "--insecure", "--no-cache", "--format", "json")
	if !strings.Contains(stderr, "refused the credentials of bob") {
		t.Errorf("bob with a wrong password: %q; want the credentials refused", stderr)
	}
	t.Setenv("DRYDOCK_USERNAME", "")

	out, _, code = runAccounts(t, "", "logout", host)
	if code != exitPass || !strings.Contains(out, "logged out of "+host) {
		t.Errorf("logout: exit %d, %q", code, out)
	}
	raw, _ = os.ReadFile(cfgFile)
	if strings.Contains(string(raw), host) {
		t.Errorf("config.json still names %s after logout: %s", host, raw)
	}
	if out, _, code := runAccounts(t, "", "logout", host); code != exitPass || !strings.Contains(out, "not logged in to "+host) {
		t.Errorf("second logout: exit %d, %q", code, out)
	}
	for _, args := range [][]string{
		{"login", host, "--password-stdin"},
		{"login", "not a host", "-u", "a", "--password-stdin"},
		{"login", host, "-u", "a", "-p", "x", "--password-stdin"},
		{"logout"},
	} {
		if _, stderr, code := runAccounts(t, "pw\n", args...); code != exitUsage {
			t.Errorf("drydock %s: exit %d (%s), want 2", strings.Join(args, " "), code, stderr)
		}
	}
}
