package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/crane"

	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/server"
	"github.com/drydock/drydock/vulndb"
	"github.com/drydock/drydock/vulndb/vulndbtest"
)

// serveTest runs drydock's server with cfg behind an httptest server; both
// close when the test ends.
func serveTest(t *testing.T, cfg server.Config) (*server.Server, *httptest.Server) {
	t.Helper()
	srv, err := server.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { hs.Close(); srv.Close() })
	return srv, hs
}

// TestPushThenScanByReference is the whole first wave end to end: crane's
// library pushes a two-layer Debian image into drydock's own authenticated
// registry (in process), then `drydock sbom` and `drydock scan` read it back
// by reference through the token flow, and the finding names the layer and
// build step that installed the vulnerable curl.
func TestPushThenScanByReference(t *testing.T) {
	const password = "end-to-end admin password"
	_, hs := serveTest(t, server.Config{DataDir: t.TempDir(), AdminPassword: password})

	// One below the fix of CVE-2023-46218 (7.88.1-10+deb12u5).
	img := debianImage(t, "7.88.1-10+deb12u4")
	ref := strings.TrimPrefix(hs.URL, "http://") + "/team/app:1.2"
	if err := crane.Push(img, ref, crane.Insecure, crane.WithAuth(&authn.Basic{Username: "admin", Password: password})); err != nil {
		t.Fatalf("crane push %s: %v", ref, err)
	}
	digest, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	creds := []string{"--insecure", "--username", "admin", "--password", password, "--no-cache"}

	out, errOut, code := runDrydock(t, append([]string{"sbom", ref, "--format", "json"}, creds...)...)
	if code != exitPass {
		t.Fatalf("drydock sbom %s: exit %d, stderr %s", ref, code, errOut)
	}
	var inv inventory.Inventory
	if err := json.Unmarshal([]byte(out), &inv); err != nil {
		t.Fatalf("sbom json: %v", err)
	}
	if inv.Digest != digest.String() {
		t.Errorf("sbom digest = %q, want %s", inv.Digest, digest)
	}
	var curl *inventory.Package
	for i := range inv.Packages {
		if inv.Packages[i].Name == "curl" {
			curl = &inv.Packages[i]
		}
	}
	if curl == nil || curl.Layer != 1 || inv.LayerOf(curl).CreatedBy != "RUN apt-get install -y curl" {
		t.Fatalf("curl = %+v; want it in layer 1 from the apt-get step (layers %+v)", curl, inv.Layers)
	}

	// Anonymous access is refused: the namespace is not public.
	if _, errOut, code := runDrydock(t, "sbom", ref, "--insecure", "--no-cache"); code != exitUsage || !strings.Contains(errOut, "team/app") {
		t.Errorf("anonymous sbom: exit %d (%s); want %d naming the repository", code, errOut, exitUsage)
	}

	db := filepath.Join(t.TempDir(), "vuln.db")
	if err := vulndb.Build(context.Background(), db, []*vulndb.Advisory{vulndbtest.Advisory(t, "DEBIAN-CVE-2023-46218")}); err != nil {
		t.Fatal(err)
	}
	scan := append([]string{"scan", ref, "--db", db, "--format", "json"}, creds...)
	out, errOut, code = runDrydock(t, append(scan, "--fail-on", "high")...)
	if code != exitPolicy {
		t.Fatalf("scan --fail-on high: exit %d, want %d (stderr %s)", code, exitPolicy, errOut)
	}
	if !strings.Contains(out, "CVE-2023-46218") || !strings.Contains(out, "7.88.1-10+deb12u5") {
		t.Errorf("scan report does not name CVE-2023-46218 and its fix:\n%s", out)
	}
	if _, errOut, code := runDrydock(t, append(scan, "--fail-on", "critical")...); code != exitPass {
		t.Errorf("scan --fail-on critical: exit %d, want %d (stderr %s)", code, exitPass, errOut)
	}
}
