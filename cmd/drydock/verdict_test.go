package main

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/crane"

	"github.com/drydock/drydock/server"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/verdict"
	"github.com/drydock/drydock/vulndb"
	"github.com/drydock/drydock/vulndb/vulndbtest"
)

// TestVerdict pushes to an authenticated in-process server with scan
// workers, then reads the stored verdict with `drydock verdict`: pending
// before the scan (exit 1), then the pass with its counts, the JSON view,
// the SBOM in SPDX, the jobs list in the API, and refusals for outsiders.
func TestVerdict(t *testing.T) {
	const password = "verdict admin password"
	dir := t.TempDir()
	db := filepath.Join(dir, "vuln.db")
	if err := vulndb.Build(context.Background(), db, []*vulndb.Advisory{vulndbtest.Advisory(t, "DEBIAN-CVE-2023-46218")}); err != nil {
		t.Fatal(err)
	}
	srv, hs := serveTest(t, server.Config{DataDir: dir, AdminPassword: password, VulnDB: db})

	img := debianImage(t, "7.88.1-10+deb12u4")
	ref := strings.TrimPrefix(hs.URL, "http://") + "/team/app:1.2"
	if err := crane.Push(img, ref, crane.Insecure, crane.WithAuth(&authn.Basic{Username: "admin", Password: password})); err != nil {
		t.Fatal(err)
	}
	d, _ := img.Digest()
	creds := []string{"--insecure", "--username", "admin", "--password", password}
	out, errOut, code := runDrydock(t, append([]string{"verdict", ref}, creds...)...)
	if code != exitPolicy || !strings.Contains(out, "pending") {
		t.Errorf("verdict before the scan: exit %d, want %d showing pending\n%s%s", code, exitPolicy, out, errOut)
	}

	ctx := context.Background()
	if err := srv.Jobs().Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Jobs().Stop(context.Background()) })
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if v, err := srv.Store().GetVerdict(ctx, "team", d.String()); err == nil && v.Status != store.VerdictPending {
			break
		}
	}
	out, errOut, code = runDrydock(t, append([]string{"verdict", ref}, creds...)...)
	if code != exitPass {
		t.Fatalf("verdict: exit %d (%s)\n%s", code, errOut, out)
	}
	for _, want := range []string{"team/app@" + d.String(), "pass (policy default)", "high 1", "database:", "scanned:", "sbom:"} {
		if !strings.Contains(out, want) {
			t.Errorf("verdict table lacks %q:\n%s", want, out)
		}
	}
	out, _, code = runDrydock(t, append([]string{"verdict", strings.Replace(ref, ":1.2", "@"+d.String(), 1), "--format", "json"}, creds...)...)
	var v verdict.View
	if err := json.Unmarshal([]byte(out), &v); err != nil || code != exitPass {
		t.Fatalf("verdict --format json: exit %d, %v\n%s", code, err, out)
	}
	if v.Digest != d.String() || v.Status != store.VerdictPass || v.Counts.High != 1 || v.DBVersion == "" || v.ScannedAt == nil || !v.SBOM {
		t.Errorf("JSON view = %+v", v)
	}
	out, errOut, code = runDrydock(t, append([]string{"verdict", ref, "--sbom", "spdx"}, creds...)...)
	if code != exitPass || !strings.Contains(out, `"spdxVersion"`) || !strings.Contains(out, `"name": "team/app@`) || !strings.Contains(out, `"curl"`) {
		t.Errorf("verdict --sbom spdx: exit %d (%s)\n%.300s", code, errOut, out)
	}
	if _, errOut, code := runDrydock(t, "verdict", ref, "--insecure"); code != exitUsage || !strings.Contains(errOut, "401") {
		t.Errorf("anonymous verdict: exit %d (%s), want %d and 401", code, errOut, exitUsage)
	}
	if _, _, code := runDrydock(t, append([]string{"verdict", ref, "--sbom", "xml"}, creds...)...); code != exitUsage {
		t.Errorf("--sbom xml: exit %d, want %d", code, exitUsage)
	}

	req, _ := http.NewRequest(http.MethodGet, hs.URL+"/api/v1/jobs?state=completed", nil)
	req.SetBasicAuth("admin", password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var jobsBody struct {
		Jobs []struct {
			Kind, State, Digest string
		}
		Counts map[string]int
	}
	err = json.NewDecoder(resp.Body).Decode(&jobsBody)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || len(jobsBody.Jobs) != 1 || jobsBody.Jobs[0].Digest != d.String() || jobsBody.Counts["completed"] != 1 {
		t.Errorf("GET /api/v1/jobs: %d %+v %v", resp.StatusCode, jobsBody, err)
	}
	req, _ = http.NewRequest(http.MethodGet, hs.URL+"/api/v1/jobs?state=exploded", nil)
	req.SetBasicAuth("admin", password)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Errorf("GET /api/v1/jobs?state=exploded: %v %v, want 400", resp.StatusCode, err)
	}
}
