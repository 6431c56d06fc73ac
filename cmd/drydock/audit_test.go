package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/crane"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/catalog"
	"github.com/drydock/drydock/fleet"
	"github.com/drydock/drydock/image"
	"github.com/drydock/drydock/scan"
	"github.com/drydock/drydock/server"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/store/storetest"
	"github.com/drydock/drydock/verdict"
	"github.com/drydock/drydock/vulndb/vulndbtest"
	"github.com/drydock/drydock/webhook"
)

// auditWorld is a private registry (drydock serve, in process) holding a
// Debian image whose curl is one below the fix of CVE-2023-46218, an
// inventory file naming it as production's Deployment shop/web, and a
// vulnerability database that does not know that CVE yet.
type auditWorld struct {
	host, inventory, db, osv string
	// srv, hs and data are the registry, its HTTP server and data directory.
	srv  *server.Server
	hs   *httptest.Server
	data string
}

func newAuditWorld(t *testing.T) auditWorld {
	t.Helper()
	w := auditWorld{data: t.TempDir()}
	w.srv, w.hs = serveTest(t, server.Config{DataDir: w.data, Anonymous: true})
	w.host = strings.TrimPrefix(w.hs.URL, "http://")
	if err := crane.Push(debianImage(t, "7.88.1-10+deb12u4"), w.host+"/team/app:1.2", crane.Insecure); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	w.inventory = filepath.Join(dir, "production.yaml")
	inv := "environment: production\nimages:\n  - image: " + w.host + "/team/app:1.2\n    workload: web\n    kind: Deployment\n    namespace: shop\n"
	if err := os.WriteFile(w.inventory, []byte(inv), 0o600); err != nil {
		t.Fatal(err)
	}
	// A database with one record about another package (bzip2).
	w.db, w.osv = filepath.Join(dir, "vuln.db"), filepath.Join(dir, "osv")
	if err := os.MkdirAll(w.osv, 0o755); err != nil {
		t.Fatal(err)
	}
	other := `{"id": "CVE-2019-12900", "modified": "2024-01-15T00:00:00Z",
 "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
 "affected": [{"package": {"ecosystem": "Debian:12", "name": "bzip2"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0.8-6"}]}]}]}`
	if err := os.WriteFile(filepath.Join(w.osv, "other.json"), []byte(other), 0o644); err != nil {
		t.Fatal(err)
	}
	w.importDB(t)
	return w
}

// importDB imports the osv folder into the database, as an update would.
func (w auditWorld) importDB(t *testing.T) {
	t.Helper()
	if out, errOut, code := runDrydock(t, "db", "import", w.osv, "--db", w.db); code != exitPass {
		t.Fatalf("db import: exit %d\n%s%s", code, out, errOut)
	}
}

// addCurlRecord imports CVE-2023-46218 (curl, fixed in 7.88.1-10+deb12u5)
// into the database, as an update that publishes it would.
func (w auditWorld) addCurlRecord(t *testing.T) {
	t.Helper()
	fixture, err := os.ReadFile(filepath.Join(vulndbtest.Dir(), "DEBIAN-CVE-2023-46218.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(w.osv, "DEBIAN-CVE-2023-46218.json"), fixture, 0o644); err != nil {
		t.Fatal(err)
	}
	w.importDB(t)
}

// pushScanned pushes img as team/app:tag and stores what a scan on push
// would: its SBOM and a passing verdict. It returns the digest.
func (w auditWorld) pushScanned(t *testing.T, tag string, img v1.Image) string {
	t.Helper()
	ctx := t.Context()
	ref := w.host + "/team/app:" + tag
	if err := crane.Push(img, ref, crane.Insecure); err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	inv, err := scan.Inventory(ctx, ref, []image.Option{image.WithInsecure()}, []catalog.Option{catalog.WithoutCache()})
	if err != nil {
		t.Fatal(err)
	}
	if err := verdict.New(w.srv.Store()).PutSBOM(ctx, d.String(), inv); err != nil {
		t.Fatal(err)
	}
	if _, err := w.srv.Store().PutVerdict(ctx, &store.Verdict{Namespace: "team", Digest: d.String(), Status: store.VerdictPass, ScannedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	return d.String()
}

// audit runs drydock audit of the inventory on data with args added.
func (w auditWorld) audit(t *testing.T, data string, args ...string) (string, string, int) {
	t.Helper()
	base := []string{"audit", "--inventory", w.inventory, "--registry", w.host, "--db", w.db, "--data", data, "--no-cache", "--quiet"}
	return runDrydock(t, append(base, args...)...)
}

// TestAuditInventoryEndToEnd: drydock audit of an inventory file keeps
// its state in a local data directory it creates; after a database
// update that adds CVE-2023-46218 the second audit's report lists exactly
// that vulnerability as new, with the workload it hits; --fail-on high
// exits 1; a third audit has nothing new; --output writes the HTML report.
func TestAuditInventoryEndToEnd(t *testing.T) {
	w := newAuditWorld(t)
	data := filepath.Join(t.TempDir(), "audit-data")

	out, errOut, code := w.audit(t, data, "--format", "json")
	if code != exitPass {
		t.Fatalf("first audit: exit %d\n%s", code, errOut)
	}
	first := decodeReport(t, out)
	if len(first.New) != 0 || len(first.Images) != 1 || first.Images[0].Packages == 0 || !first.Images[0].Private {
		t.Fatalf("first audit: new %v, images %+v; want one private cataloged image and nothing new\n%s", first.New, first.Images, out)
	}
	if _, err := os.Stat(filepath.Join(data, "drydock.db")); err != nil {
		t.Errorf("the audit kept no state in %s: %v", data, err)
	}

	w.addCurlRecord(t)

	out, errOut, code = w.audit(t, data, "--format", "json", "--fail-on", "high")
	if code != exitPolicy {
		t.Errorf("second audit --fail-on high: exit %d, want %d (stderr %s)", code, exitPolicy, errOut)
	}
	second := decodeReport(t, out)
	web := fleet.Workload{Kind: "Deployment", Namespace: "shop", Name: "web"}
	if len(second.New) != 1 || !mentions(second.New[0], "CVE-2023-46218") || !slices.Contains(second.New[0].Workloads, web) ||
		!second.New[0].FixAvailable {
		t.Fatalf("second audit's new = %+v; want exactly CVE-2023-46218, fixable, hitting %s", second.New, web)
	}
	if second.Previous == nil || second.Rematch.Cataloged != 0 {
		t.Errorf("second audit: previous %v, cataloged %d; want the first audit as previous and nothing cataloged again",
			second.Previous, second.Rematch.Cataloged)
	}

	report := filepath.Join(t.TempDir(), "audit.html")
	out, errOut, code = w.audit(t, data, "--format", "html", "--output", report)
	if code != exitPass || out != "" {
		t.Fatalf("third audit --output: exit %d, stdout %q, stderr %s", code, out, errOut)
	}
	html, err := os.ReadFile(report)
	if err != nil || !strings.Contains(string(html), "<html") || !strings.Contains(string(html), "team/app") || !strings.Contains(string(html), "<svg") {
		t.Errorf("--output %s: %v; want an HTML report with charts naming team/app:\n%.400s", report, err, html)
	}
	out, _, _ = w.audit(t, data, "--format", "json")
	if third := decodeReport(t, out); len(third.New) != 0 || third.Counts.High == 0 {
		t.Errorf("audit without a database change: new %v, counts %+v; want nothing new, the finding still counted", third.New, third.Counts)
	}
}

// TestAuditOnRegistryData: drydock audit pointed at the registry's own
// data reads the image from the registry's blobs (its HTTP server is gone
// by then), and queues the audit's events in the store's outbox, which the
// registry's webhook sender delivers to team's endpoint.
func TestAuditOnRegistryData(t *testing.T) {
	w := newAuditWorld(t)
	w.addCurlRecord(t)
	const secret = "a secret of some length"
	var mu sync.Mutex
	var got []string
	received := func() []string { mu.Lock(); defer mu.Unlock(); return slices.Clone(got) }
	hook := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if webhook.Verify(secret, b, r.Header.Get(webhook.SignatureHeader)) {
			var ev struct{ Type, Subject string }
			json.Unmarshal(b, &ev)
			mu.Lock()
			got = append(got, ev.Type+" "+ev.Subject)
			mu.Unlock()
		}
	}))
	defer hook.Close()
	ctx := t.Context()
	if _, err := w.srv.Webhooks().AddEndpoint(ctx, auth.Principal{}, "team", hook.URL, secret, nil); err != nil {
		t.Fatal(err)
	}
	dg, err := crane.Digest(w.host+"/team/app:1.2", crane.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	inv := "images:\n  - image: " + w.host + "/team/app@" + dg + "\n    workload: web\n    kind: Deployment\n    namespace: shop\n"
	if err := os.WriteFile(w.inventory, []byte(inv), 0o600); err != nil {
		t.Fatal(err)
	}
	w.hs.Close() // nothing can be pulled any more

	out, errOut, code := w.audit(t, w.data, "--format", "json")
	if code != exitPass {
		t.Fatalf("audit on the registry's data: exit %d\n%s", code, errOut)
	}
	rep := decodeReport(t, out)
	if len(rep.Images) != 1 || rep.Images[0].Error != "" || rep.Images[0].Packages == 0 || !rep.Images[0].Private || len(rep.New) != 1 {
		t.Fatalf("images %+v, new %+v; want the private image read from the registry's blobs, CVE-2023-46218 new", rep.Images, rep.New)
	}
	for deadline := time.Now().Add(5 * time.Second); len(received()) < 2 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if _, err := w.srv.Webhooks().SendDue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"dev.drydock.audit.vulnerability " + rep.New[0].ID, fmt.Sprintf("dev.drydock.audit.completed audit/%d", rep.ID)}
	if got := received(); !slices.Equal(got, want) {
		t.Errorf("team's webhook received %q, want %q", got, want)
	}
}

// TestAuditOnPostgres: with DRYDOCK_DATABASE naming a PostgreSQL store,
// drydock audit keeps its state there and creates no local data
// directory; the second audit knows the first.
func TestAuditOnPostgres(t *testing.T) {
	w := newAuditWorld(t)
	t.Setenv("DRYDOCK_DATABASE", storetest.PostgresDSN(t))
	data := filepath.Join(t.TempDir(), "not-created")
	for i := range 2 {
		out, errOut, code := w.audit(t, data, "--format", "json")
		if code != exitPass {
			t.Fatalf("audit %d on PostgreSQL: exit %d\n%s", i+1, code, errOut)
		}
		rep := decodeReport(t, out)
		if rep.ID != int64(i+1) || (i == 1) != (rep.Previous != nil) || len(rep.Images) != 1 || rep.Images[0].Packages == 0 {
			t.Errorf("audit %d: id %d, previous %v, images %+v; want audit %d of one cataloged image", i+1, rep.ID, rep.Previous, rep.Images, i+1)
		}
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Errorf("an audit on PostgreSQL created %s (stat: %v)", data, err)
	}
}

// TestAuditUsage: a missing or double source, --apply without a cluster,
// a bad format or threshold, a missing inventory file are usage errors
// that create no data.
func TestAuditUsage(t *testing.T) {
	dir := t.TempDir()
	inv := filepath.Join(dir, "inv.yaml")
	if err := os.WriteFile(inv, []byte("images:\n  - image: reg.example/team/app@sha256:"+strings.Repeat("a", 64)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	tests := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"no source", nil, "--kubeconfig FILE"},
		{"two sources", []string{"--inventory", inv, "--kubeconfig", inv}, "one source at a time"},
		{"apply without a cluster", []string{"--inventory", inv, "--apply"}, "--apply"},
		{"wait without apply", []string{"--inventory", inv, "--wait", "1m"}, "--wait"},
		{"bad format", []string{"--inventory", inv, "--format", "xml"}, "--format"},
		{"bad threshold", []string{"--inventory", inv, "--fail-on", "severe"}, "--fail-on"},
		{"context with an inventory", []string{"--inventory", inv, "--context", "prod"}, "not --inventory"},
		{"namespace without a cluster", []string{"--namespace", "shop"}, "auditKubeconfig"},
		{"missing inventory", []string{"--inventory", filepath.Join(dir, "none.yaml"), "--db", "/nonexistent/vuln.db"}, "none.yaml"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, errOut, code := runDrydock(t, append([]string{"audit", "--data", data}, tc.args...)...)
			if code != exitUsage || !strings.Contains(errOut, tc.stderr) {
				t.Errorf("exit %d, want %d; stderr lacks %q:\n%s", code, exitUsage, tc.stderr, errOut)
			}
		})
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Errorf("a refused audit created %s (stat: %v)", data, err)
	}
}

func decodeReport(t *testing.T, out string) *fleet.Report {
	t.Helper()
	var rep fleet.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("report JSON: %v\n%.600s", err, out)
	}
	return &rep
}

// mentions reports whether nv is id or has it as an alias.
func mentions(nv fleet.NewVulnerability, id string) bool {
	return nv.ID == id || strings.HasSuffix(nv.ID, "-"+id) || slices.Contains(nv.Aliases, id)
}
