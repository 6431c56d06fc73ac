package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/image/imagetest"
	"github.com/drydock/drydock/internal/registrytest"
)

// TestGateCLI runs the CI gate as a pipeline does: credentials and the key
// password in the environment, a failing build (exit 1, reports written,
// nothing pushed), a passing build pushed with a robot's credentials (exit 0, then `drydock verify` accepts
// its verdict attestation), and bad provenance input (exit 2).
func TestGateCLI(t *testing.T) {
	reg := registrytest.Start(t)
	ctx := context.Background()
	admin := auth.Principal{Name: auth.AdminUser, Kind: "user", Admin: true}
	if err := reg.Server.Auth().CreateNamespace(ctx, admin, "team", false); err != nil {
		t.Fatal(err)
	}
	robot, secret, err := reg.Server.Auth().CreateRobot(ctx, admin, "team", "ci", auth.RoleWriter, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	t.Setenv("DRYDOCK_USERNAME", robot.Name) // a robot, as a CI job has
	t.Setenv("DRYDOCK_PASSWORD", secret)
	t.Setenv("COSIGN_PASSWORD", "")
	for _, v := range []string{"GITHUB_SERVER_URL", "CI_PROJECT_URL"} {
		t.Setenv(v, "")
	}
	work := t.TempDir()
	db := filepath.Join(work, "vuln.db")
	if out, errOut, code := runDrydock(t, "db", "import", "--db", db, "../../match/testdata/osv"); code != exitPass {
		t.Fatalf("db import: exit %d: %s %s", code, out, errOut)
	}
	if _, errOut, code := runDrydock(t, "key", "generate", "--output-dir", work); code != exitPass {
		t.Fatalf("key generate: %s", errOut)
	}
	key, pub := filepath.Join(work, "cosign.key"), filepath.Join(work, "cosign.pub")
	layoutOf := func(curl string) string {
		return "oci:" + imagetest.LayoutDir(t, debianImage(t, curl))
	}
	sarif := filepath.Join(work, "scan.sarif")
	common := []string{"--key", key, "--db", db, "--insecure", "--no-cache", "--source-repo", "https://git.example.com/team/app",
		"--source-rev", strings.Repeat("3f2a", 10), "--builder-id", "ci/pipeline-42"}

	out, errOut, code := runDrydock(t, append([]string{"gate", layoutOf("7.88.1-10+deb12u4"), "--push", reg.Host + "/team/app:1.0", "--sarif", sarif}, common...)...)
	if code != exitPolicy || !strings.Contains(out, "FAIL: nothing was pushed") || !strings.Contains(out, "CVE-2023-46218") {
		t.Fatalf("failing gate: exit %d, stdout %q, stderr %q; want exit 1 and a summary naming CVE-2023-46218", code, out, errOut)
	}
	if b, err := os.ReadFile(sarif); err != nil || !strings.Contains(string(b), "CVE-2023-46218") {
		t.Errorf("SARIF report: %v", err)
	}
	if _, _, code := runDrydock(t, "verify", reg.Host+"/team/app:1.0", "--key", pub, "--insecure"); code != exitUsage {
		t.Errorf("verify after a failing gate: exit %d, want 2 (no such tag)", code)
	}

	out, errOut, code = runDrydock(t, append([]string{"gate", layoutOf("7.88.1-10+deb12u5"), "--push", reg.Host + "/team/app:1.0"}, common...)...)
	if code != exitPass || !strings.Contains(out, "drydock gate: PASS") || !strings.Contains(out, "pushed    "+reg.Host+"/team/app:1.0") {
		t.Fatalf("passing gate: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	out, errOut, code = runDrydock(t, "verify", reg.Host+"/team/app:1.0", "--key", pub, "--insecure", "--attestation", "verdict")
	if code != exitPass || !strings.Contains(out, `"verdict":"pass"`) {
		t.Errorf("verify verdict: exit %d, stdout %q, stderr %q", code, out, errOut)
	}

	_, errOut, code = runDrydock(t, "gate", layoutOf("7.88.1-10+deb12u5"), "--push", reg.Host+"/team/app:1.1", "--key", key, "--db", db, "--insecure",
		"--source-repo", "https://git.example.com/team/app", "--source-rev", "abc")
	if code != exitUsage || !strings.Contains(errOut, "full commit ID") {
		t.Errorf("short --source-rev: exit %d, %q; want exit 2", code, errOut)
	}
	if _, errOut, code := runDrydock(t, "gate", layoutOf("7.88.1-10+deb12u5"), "--key", key); code != exitUsage || !strings.Contains(errOut, "--push") {
		t.Errorf("no --push: exit %d, %q; want exit 2", code, errOut)
	}
}
