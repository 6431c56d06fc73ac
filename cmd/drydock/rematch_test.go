package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/server"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/verdict"
)

// TestDBRematch stores an image's SBOM and passing verdict as a scan on
// push would, imports an advisory that newly affects it, and runs
// `drydock db rematch`: the verdict flips to fail, and says so.
func TestDBRematch(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	data := servedData(t, server.Config{DataDir: filepath.Join(dir, "data")}).DataDir
	dbPath, osv := filepath.Join(dir, "vuln.db"), filepath.Join(dir, "osv")
	if err := os.MkdirAll(osv, 0o755); err != nil {
		t.Fatal(err)
	}
	const zlib = `{"id": "CVE-2023-45853", "modified": "2024-01-15T00:00:00Z",
 "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
 "affected": [{"package": {"ecosystem": "Debian:12", "name": "zlib"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1:1.3.dfsg+really1.3.1-1"}]}]}]}`
	if err := os.WriteFile(filepath.Join(osv, "other.json"), []byte(strings.ReplaceAll(strings.ReplaceAll(zlib, "zlib", "bzip2"), "CVE-2023-45853", "CVE-2019-12900")), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := runAccounts(t, "", "db", "import", osv, "--db", dbPath); code != 0 {
		t.Fatalf("db import: %d %s %s", code, out, errOut)
	}
	if out, errOut, code := runAccounts(t, "", "namespace", "create", "prod", "--data", data); code != 0 {
		t.Fatalf("namespace create: %d %s %s", code, out, errOut)
	}
	policy := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(policy, []byte("apiVersion: drydock/v1\nkind: Policy\nname: prod\nseverity: {failOn: high}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := runAccounts(t, "", "namespace", "policy", "prod", policy, "--data", data); code != 0 {
		t.Fatalf("namespace policy: %d %s %s", code, out, errOut)
	}

	// What a scan on push leaves behind.
	st, err := store.Open(ctx, filepath.Join(data, "drydock.db"))
	if err != nil {
		t.Fatal(err)
	}
	const layer = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
	const img = "sha256:2222222222222222222222222222222222222222222222222222222222222222"
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.PutBlob(ctx, "prod/zipper", layer, 10))
	must(st.PutManifest(ctx, &store.Manifest{Repo: "prod/zipper", Digest: img, MediaType: "application/vnd.oci.image.manifest.v1+json",
		ConfigMediaType: "application/vnd.oci.image.config.v1+json", Content: []byte("{}"), Blobs: []string{layer}}))
	must(verdict.New(st).PutSBOM(ctx, img, &inventory.Inventory{Digest: img, Packages: []inventory.Package{{Name: "zlib1g", SourceName: "zlib",
		Version: "1:1.2.13.dfsg-1", Type: inventory.TypeDeb, Ecosystem: "Debian:12", Path: "var/lib/dpkg/status"}}}))
	_, err = st.PutVerdict(ctx, &store.Verdict{Namespace: "prod", Digest: img, Status: store.VerdictPass, ScannedAt: time.Now()})
	must(err)
	st.Close()

	out, errOut, code := runAccounts(t, "", "db", "rematch", "--db", dbPath, "--data", data)
	if code != 0 || !strings.Contains(out, "full rematch of 1 stored SBOMs") || strings.Contains(out, "flipped") {
		t.Fatalf("first rematch: %d\n%s%s", code, out, errOut)
	}
	if err := os.WriteFile(filepath.Join(osv, "CVE-2023-45853.json"), []byte(zlib), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := runAccounts(t, "", "db", "import", osv, "--db", dbPath); code != 0 {
		t.Fatalf("db import: %d %s %s", code, out, errOut)
	}
	out, errOut, code = runAccounts(t, "", "db", "rematch", "--db", dbPath, "--data", data)
	for _, want := range []string{"1 records changed", "re-evaluated 1, not re-evaluated 0", "flipped prod/zipper@" + img + " to fail"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("rematch after import: %d, output lacks %q:\n%s%s", code, want, out, errOut)
		}
	}
	st, err = store.Open(ctx, filepath.Join(data, "drydock.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if v, err := st.GetVerdict(ctx, "prod", img); err != nil || v.Status != store.VerdictFail || len(v.Blocking) != 1 || v.Blocking[0].ID != "CVE-2023-45853" {
		t.Errorf("stored verdict = %+v, %v; want fail blocked by CVE-2023-45853", v, err)
	}
}
