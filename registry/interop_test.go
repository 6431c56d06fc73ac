package registry_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/drydock/drydock/blobstore"
	"github.com/drydock/drydock/registry"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/store/storetest"
)

// newServer starts an open registry (no authorizer, on purpose) on st.
func newServer(t testing.TB, st *store.Store, opts ...registry.Option) *httptest.Server {
	t.Helper()
	blobs, err := blobstore.NewFilesystem(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	opts = append([]registry.Option{registry.WithAnonymousAccess(),
		registry.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))}, opts...)
	rg, err := registry.New(st, blobs, opts...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rg)
	t.Cleanup(func() { srv.Close(); rg.Close() })
	return srv
}

func host(srv *httptest.Server) string { return strings.TrimPrefix(srv.URL, "http://") }

// TestGoContainerRegistryRoundTrip pushes, pulls, lists and deletes with
// go-containerregistry's remote package (the library behind crane), on
// SQLite and on PostgreSQL.
func TestGoContainerRegistryRoundTrip(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		srv := newServer(t, st)
		ctx := context.Background()
		img, err := random.Image(4096, 3)
		if err != nil {
			t.Fatal(err)
		}
		tag, err := name.NewTag(host(srv)+"/team/app:v1", name.Insecure)
		if err != nil {
			t.Fatal(err)
		}
		if err := remote.Write(tag, img, remote.WithContext(ctx)); err != nil {
			t.Fatalf("push: %v", err)
		}
		want, _ := img.Digest()

		got, err := remote.Image(tag, remote.WithContext(ctx))
		if err != nil {
			t.Fatalf("pull: %v", err)
		}
		if d, _ := got.Digest(); d != want {
			t.Errorf("pulled digest %s, want %s", d, want)
		}
		// Every layer's bytes come back and verify against their digests.
		layers, err := got.Layers()
		if err != nil || len(layers) != 3 {
			t.Fatalf("layers = %d, %v; want 3", len(layers), err)
		}
		for _, l := range layers {
			rc, err := l.Compressed()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.Copy(io.Discard, rc); err != nil {
				t.Errorf("layer read: %v", err) // ggcr verifies the digest while reading
			}
			rc.Close()
		}

		// An index of two more images, pushed by tag.
		idx, err := random.Index(1024, 1, 2)
		if err != nil {
			t.Fatal(err)
		}
		itag, _ := name.NewTag(host(srv)+"/team/app:multi", name.Insecure)
		if err := remote.WriteIndex(itag, idx, remote.WithContext(ctx)); err != nil {
			t.Fatalf("push index: %v", err)
		}
		desc, err := remote.Get(itag)
		if err != nil || desc.MediaType != "application/vnd.oci.image.index.v1+json" && desc.MediaType != "application/vnd.docker.distribution.manifest.list.v2+json" {
			t.Fatalf("get index = %v, %v", desc, err)
		}

		tags, err := remote.List(tag.Repository)
		if err != nil || strings.Join(tags, ",") != "multi,v1" {
			t.Errorf("tags = %v, %v; want [multi v1]", tags, err)
		}
		reg, _ := name.NewRegistry(host(srv), name.Insecure)
		repos, err := remote.Catalog(ctx, reg)
		if err != nil || strings.Join(repos, ",") != "team/app" {
			t.Errorf("catalog = %v, %v; want [team/app]", repos, err)
		}

		dref, _ := name.NewDigest(host(srv)+"/team/app@"+want.String(), name.Insecure)
		if err := remote.Delete(dref); err != nil {
			t.Fatalf("delete: %v", err)
		}
		_, err = remote.Image(tag)
		var terr *transport.Error
		if !errors.As(err, &terr) || terr.StatusCode != http.StatusNotFound {
			t.Errorf("pull after delete = %v, want 404", err)
		}
	})
}

// TestReferrersWithGoContainerRegistry attaches an artifact to an image
// through the subject field and finds it with the referrers API.
func TestReferrersWithGoContainerRegistry(t *testing.T) {
	srv := newServer(t, storetest.SQLite(t))
	img, _ := random.Image(512, 1)
	ref, _ := name.NewTag(host(srv)+"/team/app:v1", name.Insecure)
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	d, _ := img.Digest()
	sig := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.example.sig",` +
		`"config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},` +
		`"layers":[],"subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"` + d.String() + `","size":1}}`
	put(t, srv, "/v2/team/app/blobs/uploads/?digest=sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", "POST", "", "{}", http.StatusCreated)
	resp := put(t, srv, "/v2/team/app/manifests/sig", "PUT", "application/vnd.oci.image.manifest.v1+json", sig, http.StatusCreated)
	if got := resp.Header.Get("OCI-Subject"); got != d.String() {
		t.Errorf("OCI-Subject = %q, want %q", got, d)
	}
	dig, _ := name.NewDigest(host(srv)+"/team/app@"+d.String(), name.Insecure)
	idx, err := remote.Referrers(dig)
	if err != nil {
		t.Fatalf("referrers: %v", err)
	}
	m, err := idx.IndexManifest()
	if err != nil || len(m.Manifests) != 1 || m.Manifests[0].ArtifactType != "application/vnd.example.sig" {
		t.Fatalf("referrers = %+v, %v; want one application/vnd.example.sig", m, err)
	}
	if h, _ := v1.NewHash(m.Manifests[0].Digest.String()); h.String() == d.String() {
		t.Errorf("referrer is the subject itself")
	}
}

// put sends one request and checks its status.
func put(t testing.TB, srv *httptest.Server, path, method, contentType, body string, want int) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		t.Fatalf("%s %s = %d %s, want %d", method, path, resp.StatusCode, b, want)
	}
	return resp
}
