package jobs_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/crane"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/blobstore"
	"github.com/drydock/drydock/catalog"
	"github.com/drydock/drydock/image/imagetest"
	"github.com/drydock/drydock/jobs"
	"github.com/drydock/drydock/match"
	"github.com/drydock/drydock/policy"
	"github.com/drydock/drydock/registry"
	"github.com/drydock/drydock/scan"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/store/storetest"
	"github.com/drydock/drydock/vulndb/vulndbtest"
)

// bookworm is a one-layer Debian 12 image with glibc's libc6 below its fix
// for CVE-2023-4911 (high); extra makes each image's layer distinct.
func bookworm(t *testing.T, extra string) v1.Image {
	return imagetest.Image(t, imagetest.Step{Layer: imagetest.Layer(t,
		imagetest.File{Name: "etc/os-release", Body: imagetest.DebianOSRelease},
		imagetest.File{Name: "var/lib/dpkg/status", Body: imagetest.DpkgStanza("libc6", "glibc", "2.36-9+deb12u1")},
		imagetest.File{Name: "etc/motd", Body: extra},
	), CreatedBy: "ADD rootfs.tar /"})
}

// policies judges namespace "prod" at high and leaves the rest to the
// scanner's default, as enforcement settings would.
type policies struct{ prod *policy.Policy }

func (p policies) Policy(_ context.Context, ns string) (*policy.Policy, error) {
	switch ns {
	case "prod":
		return p.prod, nil
	case "broken":
		return nil, errors.New("the namespace's policy does not load")
	}
	return nil, nil
}

type fixture struct {
	st    *store.Store
	blobs *blobstore.Store
	host  string
	q     *jobs.Queue

	mu   sync.Mutex
	done map[string]*store.Verdict // digest → verdict announced
}

// open runs fn on SQLite and PostgreSQL with a registry, a queue of two
// workers over it, and a listener publishing pushes to the queue.
func run(t *testing.T, fn func(t *testing.T, f *fixture)) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			dsn := filepath.Join(t.TempDir(), "drydock.db")
			if dialect == "postgres" {
				dsn = storetest.PostgresDSN(t)
			}
			ctx := context.Background()
			st, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			f := &fixture{st: st, done: map[string]*store.Verdict{}}
			if f.blobs, err = blobstore.NewFilesystem(t.TempDir()); err != nil {
				t.Fatal(err)
			}
			high, err := policy.New(policy.WithFailOn(match.SeverityHigh))
			if err != nil {
				t.Fatal(err)
			}
			sc, err := scan.New(vulndbtest.FixtureDB(t), scan.WithCatalogOptions(catalog.WithCacheDir(t.TempDir())))
			if err != nil {
				t.Fatal(err)
			}
			f.q, err = jobs.New(ctx, st, dsn, jobs.WithWorkers(2), jobs.WithScanner(sc, f.blobs), jobs.WithMaxAttempts(2),
				jobs.WithPolicies(policies{prod: high}),
				jobs.OnScanCompleted(func(e jobs.ScanCompleted) {
					f.mu.Lock()
					f.done[e.Digest] = e.Verdict
					f.mu.Unlock()
				}))
			if err != nil {
				t.Fatal(err)
			}
			if err := f.q.Start(ctx); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { f.q.Stop(context.Background()); f.q.Close() })
			rg, err := registry.New(st, f.blobs, registry.WithAnonymousAccess(),
				registry.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(rg)
			t.Cleanup(func() { srv.Close(); rg.Close() })
			f.host = strings.TrimPrefix(srv.URL, "http://")
			fn(t, f)
		})
	}
}

// push writes img (or an index) with crane and tells the queue, as the
// registry's listener does.
func (f *fixture) push(t *testing.T, repoTag string, img any) string {
	t.Helper()
	ref := f.host + "/" + repoTag
	var d v1.Hash
	var mt string
	switch x := img.(type) {
	case v1.Image:
		if err := crane.Push(x, ref, crane.Insecure); err != nil {
			t.Fatal(err)
		}
		d, _ = x.Digest()
		m, _ := x.MediaType()
		mt = string(m)
	case v1.ImageIndex:
		r, err := name.ParseReference(ref, name.Insecure)
		if err != nil {
			t.Fatal(err)
		}
		if err := remote.WriteIndex(r, x); err != nil {
			t.Fatal(err)
		}
		d, _ = x.Digest()
		m, _ := x.MediaType()
		mt = string(m)
	}
	repo, tag, _ := strings.Cut(repoTag, ":")
	f.q.Notify(context.Background(), registry.Event{Kind: registry.EventManifestPushed, Repo: repo, Tag: tag,
		Digest: digest.Digest(d.String()), MediaType: mt, Time: time.Now()})
	return d.String()
}

func (f *fixture) wait(t *testing.T, digests ...string) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		f.mu.Lock()
		n := 0
		for _, d := range digests {
			if f.done[d] != nil {
				n++
			}
		}
		f.mu.Unlock()
		if n == len(digests) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("scans of %v did not complete in time", digests)
}

// TestScanOnPush pushes images with crane's library to an in-process
// registry: each push becomes a queued job, the job stores the SBOM and
// the verdict under the namespace's policy, an index's verdict is drawn
// from its platform images, and the jobs list shows them completed.
func TestScanOnPush(t *testing.T) {
	run(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		prod := f.push(t, "prod/app:1", bookworm(t, "prod"))
		dev := f.push(t, "dev/app:1", bookworm(t, "dev"))
		amd, arm := bookworm(t, "amd64"), bookworm(t, "arm64")
		idx := mutate.AppendManifests(empty.Index,
			mutate.IndexAddendum{Add: amd, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
			mutate.IndexAddendum{Add: arm, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64"}}})
		multi := f.push(t, "prod/multi:1", idx)
		f.wait(t, prod, dev, multi)

		v, err := f.st.GetVerdict(ctx, "prod", prod)
		if err != nil {
			t.Fatal(err)
		}
		if v.Status != store.VerdictFail || v.FailOn != "high" || len(v.Blocking) != 1 ||
			v.Blocking[0].ID != "CVE-2023-4911" || !slices.Equal(v.Blocking[0].Fixed, []string{"2.36-9+deb12u3"}) {
			t.Errorf("prod verdict = %+v, want a failure blocked by CVE-2023-4911 fixed in 2.36-9+deb12u3", v)
		}
		if v.DBVersion == "" || v.ScannedAt.IsZero() || v.Counts.High != 1 {
			t.Errorf("prod verdict lacks its database, time or counts: %+v", v)
		}
		if v, err := f.st.GetVerdict(ctx, "dev", dev); err != nil || v.Status != store.VerdictPass || v.Counts.High != 1 {
			t.Errorf("dev verdict (default policy) = %+v, %v; want a pass that still counts the finding", v, err)
		}
		if _, err := f.st.GetSBOM(ctx, prod); err != nil {
			t.Errorf("no SBOM stored for %s: %v", prod, err)
		}
		iv, err := f.st.GetVerdict(ctx, "prod", multi)
		if err != nil {
			t.Fatal(err)
		}
		if iv.Status != store.VerdictFail || len(iv.Blocking) != 2 || iv.Counts.High != 2 {
			t.Errorf("index verdict = %+v, want a failure from both platforms", iv)
		}
		platforms := []string{iv.Blocking[0].Platform, iv.Blocking[1].Platform}
		slices.Sort(platforms)
		if !slices.Equal(platforms, []string{"linux/amd64", "linux/arm64"}) {
			t.Errorf("index blocking findings name platforms %v", platforms)
		}
		for _, img := range []v1.Image{amd, arm} {
			d, _ := img.Digest()
			if v, err := f.st.GetVerdict(ctx, "prod", d.String()); err != nil || v.Status != store.VerdictFail {
				t.Errorf("platform %s verdict = %+v, %v", d, v, err)
			}
		}
		// River marks a job completed just after its worker returns.
		var list []*jobs.Job
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if list, err = f.q.List(ctx, []string{"completed"}, 0, 10); err != nil {
				t.Fatal(err)
			}
			if len(list) == 3 {
				break
			}
		}
		var listed []string
		for _, j := range list {
			listed = append(listed, j.Digest)
			if j.Kind != "scan" || j.Repo == "" || j.FinalizedAt.IsZero() {
				t.Errorf("job %+v", j)
			}
		}
		for _, d := range []string{prod, dev, multi} {
			if !slices.Contains(listed, d) {
				t.Errorf("completed jobs %v lack %s", listed, d)
			}
		}
		if _, err := f.q.List(ctx, []string{"exploded"}, 0, 10); err == nil {
			t.Error("List accepted an unknown state")
		}
	})
}

// TestScannable: referrers, cosign tags and non-image artifacts are not
// scanned; images and indexes are.
func TestScannable(t *testing.T) {
	const oci, idx = "application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.index.v1+json"
	sub := digest.Digest("sha256:" + strings.Repeat("a", 64))
	tests := []struct {
		name string
		e    registry.Event
		want bool
	}{
		{"image", registry.Event{MediaType: oci, Tag: "1.0"}, true},
		{"docker image", registry.Event{MediaType: "application/vnd.docker.distribution.manifest.v2+json"}, true},
		{"index", registry.Event{MediaType: idx}, true},
		{"image config as artifact type", registry.Event{MediaType: oci, ArtifactType: "application/vnd.oci.image.config.v1+json"}, true},
		{"referrer", registry.Event{MediaType: oci, Subject: sub, ArtifactType: "application/vnd.dev.sigstore.bundle.v0.3+json"}, false},
		{"cosign signature tag", registry.Event{MediaType: oci, Tag: "sha256-" + strings.Repeat("a", 64) + ".sig"}, false},
		{"helm chart", registry.Event{MediaType: oci, ArtifactType: "application/vnd.cncf.helm.config.v1+json"}, false},
		{"unknown media type", registry.Event{MediaType: "text/plain"}, false},
	}
	for _, tc := range tests {
		if got := jobs.Scannable(tc.e); got != tc.want {
			t.Errorf("%s: Scannable = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestRetryThenError: a scan that fails is retried after a backoff, and
// when its attempts run out the verdict records the error (so the gate
// says so instead of "pending" for ever) and the job shows as discarded
// with each attempt's error.
func TestRetryThenError(t *testing.T) {
	run(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		d := f.push(t, "broken/app:1", bookworm(t, "broken"))
		f.wait(t, d)
		v, err := f.st.GetVerdict(ctx, "broken", d)
		if err != nil || v.Status != store.VerdictError || !strings.Contains(v.Error, "does not load") {
			t.Fatalf("verdict = %+v, %v; want an error naming the policy", v, err)
		}
		var list []*jobs.Job
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) && len(list) == 0; time.Sleep(50 * time.Millisecond) {
			if list, err = f.q.List(ctx, []string{"discarded"}, 0, 10); err != nil {
				t.Fatal(err)
			}
		}
		if len(list) != 1 || list[0].Attempt != 2 || len(list[0].Errors) != 2 {
			t.Fatalf("discarded jobs = %+v; want one after 2 attempts with 2 errors", list)
		}
		if gap := list[0].FinalizedAt.Sub(list[0].CreatedAt); gap < time.Second {
			t.Errorf("second attempt %s after the first: no backoff", gap)
		}
	})
}
