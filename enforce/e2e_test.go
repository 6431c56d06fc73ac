package enforce_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/crane"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"golang.org/x/crypto/bcrypt"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/blobstore"
	"github.com/drydock/drydock/catalog"
	"github.com/drydock/drydock/enforce"
	"github.com/drydock/drydock/image/imagetest"
	"github.com/drydock/drydock/jobs"
	"github.com/drydock/drydock/registry"
	"github.com/drydock/drydock/scan"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/store/storetest"
	"github.com/drydock/drydock/vulndb"
)

const rootPassword = "correct horse battery"

// debianImage is a one-layer Debian 12 image holding one package.
func debianImage(t *testing.T, pkg, source, version string) v1.Image {
	return imagetest.Image(t, imagetest.Step{Layer: imagetest.Layer(t,
		imagetest.File{Name: "etc/os-release", Body: imagetest.DebianOSRelease},
		imagetest.File{Name: "var/lib/dpkg/status", Body: imagetest.DpkgStanza(pkg, source, version)},
	), CreatedBy: "ADD rootfs.tar /"})
}

// drydock is an in-process registry with authentication, the scan queue
// (scan on push), the quarantine gate and the rematch, wired as serve
// wires them.
type drydock struct {
	st       *store.Store
	host     string
	clock    *clock
	settings *enforce.Settings
	gate     *enforce.Gate
	rematch  *enforce.Rematcher
	audit    *auditlog.Log
	dbPath   string
	osvDir   string
	robot    authn.Basic

	mu      sync.Mutex
	scanned map[string]bool
	flips   []enforce.Flip
}

// onBothStores runs fn against a drydock on SQLite and on PostgreSQL.
func onBothStores(t *testing.T, fn func(t *testing.T, d *drydock)) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			dsn := filepath.Join(t.TempDir(), "drydock.db")
			if dialect == "postgres" {
				dsn = storetest.PostgresDSN(t)
			}
			fn(t, newDrydock(t, dsn))
		})
	}
}

func newDrydock(t *testing.T, dsn string) *drydock {
	t.Helper()
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	d := &drydock{st: st, clock: &clock{t: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)}, scanned: map[string]bool{}}
	if d.audit, err = auditlog.New(st, auditlog.WithLogger(quiet)); err != nil {
		t.Fatal(err)
	}
	svc, err := auth.New(ctx, st, auth.WithRecorder(d.audit), auth.WithBcryptCost(10))
	if err != nil {
		t.Fatal(err)
	}
	hash, _ := bcrypt.GenerateFromPassword([]byte(rootPassword), 10)
	if err := st.CreateUser(ctx, auth.User{Name: "root", PasswordHash: hash, Admin: true, Created: time.Now()}); err != nil {
		t.Fatal(err)
	}
	local := auth.Local("test")
	if err := svc.CreateNamespace(ctx, local, "prod", false); err != nil {
		t.Fatal(err)
	}
	robot, secret, err := svc.CreateRobot(ctx, local, "prod", "forensics", auth.RoleReader, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	d.robot = authn.Basic{Username: robot.Name, Password: secret}

	// The vulnerability database, imported from a folder of OSV records
	// (real advisories' facts) as `drydock db import` does.
	d.osvDir, d.dbPath = t.TempDir(), filepath.Join(t.TempDir(), "vuln.db")
	files, _ := filepath.Glob("../match/testdata/osv/*.json")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d.osvDir, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	db := importDB(t, d.dbPath, d.osvDir)

	opts := []enforce.Option{enforce.WithClock(d.clock.now), enforce.WithAudit(d.audit)}
	if d.settings, err = enforce.NewSettings(ctx, st, opts...); err != nil {
		t.Fatal(err)
	}
	results := enforce.NewStoredResults(st, func() enforce.Database { return db })
	if d.gate, err = enforce.NewGate(d.settings, results, st, opts...); err != nil {
		t.Fatal(err)
	}
	if d.rematch, err = enforce.NewRematcher(st, results, d.settings, append(opts, enforce.WithFlipHook(func(f enforce.Flip) {
		d.mu.Lock()
		d.flips = append(d.flips, f)
		d.mu.Unlock()
	}))...); err != nil {
		t.Fatal(err)
	}
	d.rematch.InvalidateWith(d.gate.Invalidate)

	blobs, err := blobstore.NewFilesystem(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	sc, err := scan.New(db, scan.WithCatalogOptions(catalog.WithCacheDir(t.TempDir())))
	if err != nil {
		t.Fatal(err)
	}
	q, err := jobs.New(ctx, st, dsn, jobs.WithWorkers(1), jobs.WithScanner(sc, blobs), jobs.WithPolicies(d.settings), jobs.WithLogger(quiet),
		jobs.OnScanCompleted(func(e jobs.ScanCompleted) {
			d.gate.Invalidate(digestOf(e.Digest))
			d.mu.Lock()
			d.scanned[e.Digest] = true
			d.mu.Unlock()
		}))
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Stop(context.Background()) })
	rg, err := registry.New(st, blobs, registry.WithAuthorizer(svc), registry.WithGate(d.gate), registry.WithListener(q),
		registry.WithAuditor(d.audit), registry.WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/token", svc.TokenHandler())
	mux.Handle("/v2/", rg)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() { srv.Close(); rg.Close() })
	d.host = strings.TrimPrefix(srv.URL, "http://")
	return d
}

func (d *drydock) as(user authn.Basic) []crane.Option {
	return []crane.Option{crane.Insecure, crane.WithAuth(&user)}
}

var root = authn.Basic{Username: "root", Password: rootPassword}

// push pushes img as root and waits for its scan.
func (d *drydock) push(t *testing.T, ref string, img v1.Image) string {
	t.Helper()
	if err := crane.Push(img, d.host+"/"+ref, d.as(root)...); err != nil {
		t.Fatalf("push %s: %v", ref, err)
	}
	h, _ := img.Digest()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		d.mu.Lock()
		done := d.scanned[h.String()]
		d.mu.Unlock()
		if done {
			return h.String()
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the scan of %s did not finish", ref)
	return ""
}

// denied asserts err is the registry's 403 DENIED; for a GET the message
// must hold every want (a HEAD answer has no body).
func denied(t *testing.T, what string, err error, want ...string) {
	t.Helper()
	var te *transport.Error
	if !errors.As(err, &te) || te.StatusCode != http.StatusForbidden {
		t.Fatalf("%s = %v, want 403 DENIED", what, err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%s: %q does not say %q", what, err.Error(), w)
		}
	}
}

// TestQuarantineEndToEnd pushes a failing image with crane to an enforcing
// namespace of an in-process drydock: pull, HEAD and a layer are refused
// with reasons, to admins too; an exception with an expiry lets the pull
// through until it expires; a robot with bypass-quarantine pulls, audited.
func TestQuarantineEndToEnd(t *testing.T) { onBothStores(t, testQuarantine) }

func testQuarantine(t *testing.T, d *drydock) {
	ctx := context.Background()
	if _, err := d.settings.Set(ctx, auth.Local("test"), "prod", enforce.Change{Enforce: ptr(true), Policy: []byte(highPolicy)}); err != nil {
		t.Fatal(err)
	}
	// libc6 below the fix for CVE-2023-4911 (Looney Tunables, high).
	img := debianImage(t, "libc6", "glibc", "2.36-9+deb12u1")
	dgst := d.push(t, "prod/app:1", img)
	ref := d.host + "/prod/app:1"

	_, err := crane.Manifest(ref, d.as(root)...)
	denied(t, "GET by tag as a system admin", err, "DENIED", "quarantined", "CVE-2023-4911", "fixed in 2.36-9+deb12u3")
	_, err = crane.Manifest(d.host+"/prod/app@"+dgst, d.as(root)...)
	denied(t, "GET by digest", err, "CVE-2023-4911")
	_, err = crane.Head(ref, d.as(root)...)
	denied(t, "HEAD", err)
	layers, _ := img.Layers()
	ld, _ := layers[0].Digest()
	layer, err := crane.PullLayer(d.host+"/prod/app@"+ld.String(), d.as(root)...)
	if err == nil {
		var rc io.ReadCloser
		if rc, err = layer.Compressed(); err == nil {
			rc.Close()
		}
	}
	denied(t, "layer blob GET", err, "belongs only to quarantined images")
	if _, err := exec.LookPath("skopeo"); err == nil {
		out, err := exec.Command("skopeo", "inspect", "--tls-verify=false", "--creds", "root:"+rootPassword, "docker://"+ref).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "CVE-2023-4911") {
			t.Errorf("skopeo inspect = %v: %s; want a refusal naming CVE-2023-4911", err, out)
		}
	}

	// Nor can the layer be mounted into a namespace that does not enforce:
	// the registry starts an upload instead (202), it does not mount (201).
	if err := d.st.CreateNamespace(ctx, auth.Namespace{Name: "dev", Created: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if status := d.mount(t, "dev/copy", "prod/app", ld.String()); status != http.StatusAccepted {
		t.Errorf("mount of a quarantined layer = %d, want 202 (no mount)", status)
	}

	// A fix that keeps the quarantined image's base layer can be pushed:
	// the client's HEAD of the shared layer must not stop the push.
	fixed, err := mutate.AppendLayers(img, imagetest.Layer(t, imagetest.File{Name: "etc/motd", Body: "fixed"}))
	if err != nil {
		t.Fatal(err)
	}
	if err := crane.Push(fixed, d.host+"/prod/app:2", d.as(root)...); err != nil {
		t.Fatalf("push of an image sharing a quarantined layer: %v", err)
	}

	// The robot with the grant pulls, and the trail says so.
	if err := d.settings.GrantBypass(ctx, auth.Local("test"), d.robot.Username); err != nil {
		t.Fatal(err)
	}
	if _, err := crane.Pull(ref, d.as(d.robot)...); err != nil {
		t.Fatalf("robot with bypass-quarantine: %v", err)
	}
	evs, err := d.audit.Query(ctx, auditlog.Filter{Action: "pull.bypass-quarantine"})
	if err != nil || len(evs) == 0 || evs[0].Actor != d.robot.Username {
		t.Errorf("bypass audit = %+v, %v", evs, err)
	}

	// An exception with an expiry: the same pull passes, then not after it.
	if _, err := d.settings.Set(ctx, auth.Local("test"), "prod", enforce.Change{Policy: []byte(highPolicy + `exceptions:
  - {id: CVE-2023-4911, reason: "no setuid binaries in this image", expires: "2026-12-01"}
`)}); err != nil {
		t.Fatal(err)
	}
	pulled, err := crane.Pull(ref, d.as(root)...)
	if err == nil {
		_, err = pulled.Layers()
		if err == nil {
			var rc io.ReadCloser
			if rc, err = layers[0].Compressed(); err == nil {
				rc.Close()
			}
		}
	}
	if err != nil {
		t.Fatalf("pull with the exception: %v", err)
	}
	if _, err := crane.Head(ref, d.as(root)...); err != nil {
		t.Fatalf("HEAD with the exception: %v", err)
	}
	d.clock.set(time.Date(2026, 12, 2, 0, 0, 1, 0, time.UTC))
	_, err = crane.Manifest(ref, d.as(root)...)
	denied(t, "GET after the exception expired", err, "CVE-2023-4911")
}

// TestRematchAfterImportEndToEnd: a database import that newly affects one
// stored image flips exactly that image; the other is not re-evaluated.
func TestRematchAfterImportEndToEnd(t *testing.T) { onBothStores(t, testRematchAfterImport) }

func testRematchAfterImport(t *testing.T, d *drydock) {
	ctx := context.Background()
	if _, err := d.settings.Set(ctx, auth.Local("test"), "prod", enforce.Change{Enforce: ptr(true), Policy: []byte(highPolicy)}); err != nil {
		t.Fatal(err)
	}
	libc := d.push(t, "prod/app:1", debianImage(t, "libc6", "glibc", "2.36-9+deb12u1"))
	zlib := d.push(t, "prod/zipper:1", debianImage(t, "zlib1g", "zlib", "1:1.2.13.dfsg-1"))
	if _, err := crane.Manifest(d.host+"/prod/zipper:1", d.as(root)...); err != nil {
		t.Fatalf("zipper before the import: %v", err)
	}
	first, err := d.rematch.RunFile(ctx, d.dbPath)
	if err != nil || !first.Full || first.Stored != 2 || len(first.Flips) != 0 {
		t.Fatalf("first rematch = %+v, %v; want a full one of 2 images without flips", first, err)
	}

	if err := os.WriteFile(filepath.Join(d.osvDir, "CVE-2023-45853.json"), []byte(zlibOSV), 0o644); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	if _, err := vulndb.Import(ctx, d.dbPath, d.osvDir); err != nil {
		t.Fatal(err)
	}
	rep, err := d.rematch.RunFile(ctx, d.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Reevaluated != 1 || rep.NotReevaluated != 1 || len(rep.Flips) != 1 || rep.Flips[0].Digest.String() != zlib || rep.Flips[0].Pass {
		t.Fatalf("rematch after import = %+v; want prod/zipper flipped to fail, prod/app not re-evaluated", rep)
	}
	v, err := d.st.GetVerdict(ctx, "prod", zlib)
	if err != nil || v.Status != store.VerdictFail || len(v.Blocking) != 1 || v.Blocking[0].ID != "CVE-2023-45853" {
		t.Errorf("stored verdict = %+v, %v; want a failure blocked by CVE-2023-45853", v, err)
	}
	if v, err := d.st.GetVerdict(ctx, "prod", libc); err != nil || v.Status != store.VerdictFail || len(v.Blocking) != 1 {
		t.Errorf("prod/app verdict changed: %+v, %v", v, err)
	}
	_, err = crane.Manifest(d.host+"/prod/zipper:1", d.as(root)...)
	denied(t, "zipper after the import", err, "CVE-2023-45853")
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.flips) != 1 || d.flips[0].Namespace != "prod" || d.flips[0].Repos[0] != "prod/zipper" {
		t.Errorf("flip hook got %+v", d.flips)
	}
}

func ptr[T any](v T) *T { return &v }

// mount asks, as root, to mount blob from repo from into repo to and
// returns the status.
func (d *drydock) mount(t *testing.T, to, from, blob string) int {
	t.Helper()
	q := url.Values{"service": {"drydock"}, "scope": {"repository:" + to + ":push,pull", "repository:" + from + ":pull"}}
	req, _ := http.NewRequest(http.MethodGet, "http://"+d.host+"/token?"+q.Encode(), nil)
	req.SetBasicAuth(root.Username, root.Password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct{ Token string }
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	req, _ = http.NewRequest(http.MethodPost, "http://"+d.host+"/v2/"+to+"/blobs/uploads/?mount="+blob+"&from="+from, nil)
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
