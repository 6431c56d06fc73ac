package fleet_test

import (
	"context"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/crane"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/blobstore"
	"github.com/drydock/drydock/catalog"
	"github.com/drydock/drydock/enforce"
	"github.com/drydock/drydock/fleet"
	"github.com/drydock/drydock/image"
	"github.com/drydock/drydock/image/imagetest"
	"github.com/drydock/drydock/registry"
	"github.com/drydock/drydock/scan"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/verdict"
	"github.com/drydock/drydock/vulndb"
	"github.com/drydock/drydock/vulndb/vulndbtest"
)

// listed is a Source over a fixed list: what an inventory file would say.
type listed struct {
	name string
	rs   []fleet.Running
}

func (l *listed) Running(context.Context) ([]fleet.Running, error) { return l.rs, nil }
func (l *listed) Describe() string                                 { return l.name }

var _ fleet.Source = (*listed)(nil)

// counted is an in-process registry server that counts the requests it
// answers.
type counted struct {
	host string
	n    atomic.Int64
}

func serve(t *testing.T, h http.Handler) *counted {
	t.Helper()
	c := &counted{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.n.Add(1)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	c.host = strings.TrimPrefix(srv.URL, "http://")
	return c
}

// push writes img as host/repoTag and returns its digest.
func push(t *testing.T, host, repoTag string, img v1.Image) digest.Digest {
	t.Helper()
	if err := crane.Push(img, host+"/"+repoTag, crane.Insecure); err != nil {
		t.Fatalf("push %s: %v", repoTag, err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return digest.Digest(d.String())
}

// debian is a one-layer Debian 12 image holding the dpkg stanzas; extra
// makes each image distinct.
func debian(t *testing.T, extra string, stanzas ...string) v1.Image {
	return imagetest.Image(t, imagetest.Step{Layer: imagetest.Layer(t,
		imagetest.File{Name: "etc/os-release", Body: imagetest.DebianOSRelease},
		imagetest.File{Name: "var/lib/dpkg/status", Body: strings.Join(stanzas, "")},
		imagetest.File{Name: "etc/motd", Body: extra},
	), CreatedBy: "ADD rootfs.tar /"})
}

// env is a private registry over the store with its blobs, an outside
// registry, one scanner and a vulnerability database that can be updated.
type env struct {
	st       *store.Store
	blobs    *blobstore.Store
	private  *counted
	outside  *counted
	scanner  *scan.Scanner
	osvDir   string
	dbPath   string
	db       *vulndb.DB
	auditor  *fleet.Auditor
	withheld []string
}

// newEnv builds the database from the fixture records except withheld,
// which an update brings later.
func newEnv(t *testing.T, st *store.Store, withheld ...string) *env {
	t.Helper()
	e := &env{st: st, osvDir: t.TempDir(), dbPath: filepath.Join(t.TempDir(), "vuln.db"), withheld: withheld}
	var err error
	if e.blobs, err = blobstore.NewFilesystem(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	rg, err := registry.New(st, e.blobs, registry.WithAnonymousAccess(), registry.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rg.Close() })
	e.private = serve(t, rg)
	e.outside = serve(t, ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0))))
	files, err := filepath.Glob(filepath.Join(vulndbtest.Dir(), "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if isWithheld(f, withheld) {
			continue
		}
		copyFile(t, f, e.osvDir)
	}
	e.importDB(t)
	if e.scanner, err = scan.New(e.db, scan.WithCatalogOptions(catalog.WithCacheDir(t.TempDir()))); err != nil {
		t.Fatal(err)
	}
	e.auditor, err = fleet.New(fleet.Config{Store: st, Blobs: e.blobs, Scanner: e.scanner,
		Database: func() enforce.Database { return e.db }, Registries: []string{e.private.host},
		ImageOptions: []image.Option{image.WithInsecure()}})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func isWithheld(path string, ids []string) bool {
	for _, id := range ids {
		if filepath.Base(path) == id+".json" {
			return true
		}
	}
	return false
}

func copyFile(t *testing.T, src, dir string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, filepath.Base(src)), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// importDB imports the folder into the database and opens the result, as
// `drydock db import` followed by serve's swap would.
func (e *env) importDB(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	if _, err := vulndb.Import(ctx, e.dbPath, e.osvDir); err != nil {
		t.Fatalf("vulndb.Import: %v", err)
	}
	db, err := vulndb.Open(ctx, e.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e.db = db
}

// update brings the withheld records into the database.
func (e *env) update(t *testing.T) {
	t.Helper()
	for _, id := range e.withheld {
		copyFile(t, filepath.Join(vulndbtest.Dir(), id+".json"), e.osvDir)
	}
	e.importDB(t)
}

// scanOnPush does what the registry's scan on push stores for repo@d: the
// SBOM by digest (read from the registry's own store).
func (e *env) scanOnPush(t *testing.T, repo string, d digest.Digest) {
	t.Helper()
	ctx := context.Background()
	raw, err := registry.StoredImage(ctx, e.st, e.blobs, repo, d.String())
	if err != nil {
		t.Fatal(err)
	}
	img, err := image.FromV1(raw, "drydock-store:"+repo+"@"+d.String())
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.scanner.ScanImage(ctx, img, scan.WithName(repo))
	if err != nil {
		t.Fatal(err)
	}
	res.Inventory.Digest = d.String()
	if err := verdict.New(e.st).PutSBOM(ctx, d.String(), res.Inventory); err != nil {
		t.Fatal(err)
	}
}

func deploy(kind, ns, name string, ref string, d digest.Digest) fleet.Running {
	return fleet.Running{Environment: "prod", Workload: fleet.Workload{Kind: kind, Namespace: ns, Name: name},
		Container: "main", Image: ref, Digest: d}
}
