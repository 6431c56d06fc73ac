package fleet

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/blobstore"
	"github.com/drydock/drydock/enforce"
	"github.com/drydock/drydock/image/imagetest"
	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/match"
	"github.com/drydock/drydock/policy"
	"github.com/drydock/drydock/registry"
	"github.com/drydock/drydock/sign"
	"github.com/drydock/drydock/sign/signtest"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/verdict"
	"github.com/drydock/drydock/vulndb/vulndbtest"
)

// world is a private registry (drydock's own, in process, on a real
// store) holding a base image and an app built on it, as an audit finds
// them:
//
//	lib/debian:12  base1 (layers b1 b2), then base2 (c1 c2) moves the tag
//	team/app:1     app1 = base1 + a1         verdict fail, provenance attached
//	team/app:0     app0 = app1, other config verdict fail (not running in report())
//	team/app:2     app2 = base2 + a2         verdict pass, curl fixed
//	team/app:3     app3 = app2, other config verdict fail
//	team/app:4     app4 = base2 + a2, env    verdict pass, curl not fixed, signed only
//
// and one image from Docker Hub that the registry never saw.
type world struct {
	st   *store.Store
	host string
	db   enforce.Database
	now  time.Time
	// Digests by name above; nginx is the outside image.
	base1, base2, app0, app1, app2, app3, app4, nginx digest.Digest
	pushed                                            map[digest.Digest]time.Time
	created                                           time.Time
	// findings1 are app1's findings, matched as the audit matches them.
	findings1 []Finding
}

const (
	curlOld  = "7.88.1-10+deb12u4" // DSA-5587-1 / CVE-2023-46218, fixed in +deb12u5
	curlNew  = "7.88.1-10+deb12u5"
	glibcOld = "2.36-9+deb12u1" // DSA-5514-1 / CVE-2023-4911, fixed in +deb12u3
)

func newWorld(t *testing.T, st *store.Store) *world {
	t.Helper()
	ctx := context.Background()
	blobs, err := blobstore.NewFilesystem(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	rg, err := registry.New(st, blobs, registry.WithAnonymousAccess(), registry.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rg)
	t.Cleanup(func() { srv.Close(); rg.Close() })
	w := &world{st: st, host: strings.TrimPrefix(srv.URL, "http://"), db: vulndbtest.FixtureDB(t),
		pushed: map[digest.Digest]time.Time{}}
	layer := func(name string) v1.Layer {
		return imagetest.Layer(t, imagetest.File{Name: name, Body: "content of " + name})
	}
	base1 := imagetest.Layers(t, layer("b1"), layer("b2"))
	base2 := imagetest.Layers(t, layer("c1"), layer("c2"))
	app1 := appendLayer(t, base1, layer("a1"))
	app2 := appendLayer(t, base2, layer("a2"))
	app0 := withEnv(t, app1, "BUILD=0")
	app3 := withEnv(t, app2, "BUILD=3")
	app4 := withEnv(t, app2, "BUILD=4")
	cf, _ := app1.ConfigFile()
	w.created = cf.Created.Time

	w.base1 = w.push(t, base1, "lib/debian:12")
	w.app1 = w.push(t, app1, "team/app:1")
	w.app0 = w.push(t, app0, "team/app:0")
	w.base2 = w.push(t, base2, "lib/debian:12")
	w.app2 = w.push(t, app2, "team/app:2")
	w.app3 = w.push(t, app3, "team/app:3")
	w.app4 = w.push(t, app4, "team/app:4")
	w.nginx = digest.FromString("nginx manifest")
	// Ten days after the last push: DaysBehind counts from app2's push.
	w.now = time.Now().Add(10*24*time.Hour + time.Hour)

	vs := verdict.New(st)
	for d, v := range map[digest.Digest]store.VerdictStatus{w.app0: store.VerdictFail, w.app1: store.VerdictFail, w.app2: store.VerdictPass,
		w.app3: store.VerdictFail, w.app4: store.VerdictPass, w.base1: store.VerdictPass, w.base2: store.VerdictPass} {
		if _, err := vs.Put(ctx, &store.Verdict{Namespace: w.namespaceOf(d), Digest: d.String(), Status: v, ScannedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	for d, img := range map[digest.Digest]v1.Image{w.app0: app0, w.app1: app1, w.app2: app2, w.app3: app3, w.app4: app4} {
		curl := curlOld
		if d == w.app2 || d == w.app3 {
			curl = curlNew
		}
		if err := vs.PutSBOM(ctx, d.String(), sbom(t, w.host+"/team/app", d, img, curl)); err != nil {
			t.Fatal(err)
		}
	}
	inv, _, err := vs.SBOM(ctx, w.app1.String())
	if err != nil {
		t.Fatal(err)
	}
	found, err := match.Match(ctx, inv, w.db)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range found {
		w.findings1 = append(w.findings1, Finding{ID: f.ID, Aliases: f.IDs[1:], Severity: f.Severity.String(),
			Package: f.Package.Name, Version: f.Installed, Ecosystem: f.Package.Ecosystem, Fixed: f.Fixed})
	}

	// app1 carries a SLSA provenance; app4 only a signature.
	signer, _ := signtest.KeyPair(t, "ci")
	if err := signer.Attest(ctx, w.target(t, "team/app", w.app1), sign.PredicateSLSAProvenance,
		[]byte(`{"buildDefinition":{"externalParameters":{"source":{"uri":"git+https://git.example/app"}}}}`), sign.FormatBundle); err != nil {
		t.Fatal(err)
	}
	if err := signer.Sign(ctx, w.target(t, "team/app", w.app4), sign.FormatBundle); err != nil {
		t.Fatal(err)
	}
	return w
}

// namespaceOf is the namespace whose policy judges d: the first part of
// its repository's name.
func (w *world) namespaceOf(d digest.Digest) string {
	if d == w.base1 || d == w.base2 {
		return "lib"
	}
	return "team"
}

func (w *world) push(t *testing.T, img v1.Image, repoTag string) digest.Digest {
	t.Helper()
	ref, err := name.ParseReference(w.host+"/"+repoTag, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatalf("push %s: %v", repoTag, err)
	}
	h, _ := img.Digest()
	d := digest.Digest(h.String())
	w.pushed[d] = time.Now()
	return d
}

func (w *world) target(t *testing.T, repo string, d digest.Digest) *sign.Target {
	t.Helper()
	ref, err := name.NewDigest(w.host+"/"+repo+"@"+d.String(), name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	return &sign.Target{Digest: ref}
}

// config is the audit's configuration: the world's store and registry
// host, the fixture database, a policy with maxAge 90d, the world's clock.
func (w *world) config() Config {
	pol, err := policy.Parse([]byte("apiVersion: drydock/v1\nkind: Policy\nmaxAge: 90d\n"), "fleet.yaml")
	if err != nil {
		panic(err) // a constant that parses
	}
	return Config{Store: w.st, Database: func() enforce.Database { return w.db }, Registries: []string{w.host},
		Policy: pol, Now: func() time.Time { return w.now }}
}

// report is what Run hands analyze: app1 runs in prod/web and in an
// inventory file's "batch" (no namespace), app4 in prod/api, nginx in
// prod/proxy.
func (w *world) report() *Report {
	web := Workload{Kind: "Deployment", Namespace: "prod", Name: "web"}
	batch := Workload{Kind: "Deployment", Name: "batch"}
	api := Workload{Kind: "Deployment", Namespace: "prod", Name: "api"}
	proxy := Workload{Kind: "Deployment", Namespace: "prod", Name: "proxy"}
	created := w.created
	return &Report{
		Running: []Running{
			{Workload: web, Pod: "web-1", Container: "web", Image: w.host + "/team/app:1", Digest: w.app1},
			{Workload: web, Pod: "web-2", Container: "web", Image: w.host + "/team/app:1", Digest: w.app1},
			{Workload: batch, Container: "main", Image: w.host + "/team/app@" + w.app1.String(), Digest: w.app1},
			{Workload: api, Pod: "api-1", Container: "api", Image: w.host + "/team/app:4", Digest: w.app4},
			{Workload: proxy, Pod: "proxy-1", Container: "nginx", Image: "docker.io/library/nginx:1.27", Digest: w.nginx},
		},
		Images: []*Image{
			{Digest: w.app1, Refs: []string{w.host + "/team/app:1", w.host + "/team/app@" + w.app1.String()}, Repository: w.host + "/team/app",
				Workloads: []Workload{web, batch}, Created: &created, Findings: w.findings1},
			{Digest: w.app4, Refs: []string{w.host + "/team/app:4"}, Repository: w.host + "/team/app",
				Workloads: []Workload{api}, Created: &created},
			{Digest: w.nginx, Refs: []string{"docker.io/library/nginx:1.27"}, Repository: "docker.io/library/nginx",
				Workloads: []Workload{proxy}},
		},
	}
}

// sbom is the inventory the scanner would store for img: its layers as
// pushed, curl at curlVersion and glibc unfixed.
func sbom(t *testing.T, repo string, d digest.Digest, img v1.Image, curlVersion string) *inventory.Inventory {
	t.Helper()
	ls, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	inv := &inventory.Inventory{Source: repo + "@" + d.String(), Name: repo, Digest: d.String()}
	for i, l := range ls {
		ld, _ := l.Digest()
		diff, _ := l.DiffID()
		inv.Layers = append(inv.Layers, inventory.Layer{Index: i, Digest: ld.String(), DiffID: diff.String()})
	}
	deb := func(name, source, version string) inventory.Package {
		return inventory.Package{Name: name, SourceName: source, Version: version, Type: inventory.TypeDeb,
			Ecosystem: "Debian:12", Path: "var/lib/dpkg/status", Layer: 0}
	}
	inv.Packages = []inventory.Package{deb("curl", "curl", curlVersion), deb("libc6", "glibc", glibcOld)}
	return inv
}

func appendLayer(t *testing.T, img v1.Image, l v1.Layer) v1.Image {
	t.Helper()
	out, err := mutate.AppendLayers(img, l)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func withEnv(t *testing.T, img v1.Image, env string) v1.Image {
	t.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.Config.Env = append(cf.Config.Env, env)
	out, err := mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
