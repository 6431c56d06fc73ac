package dbartifact_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/drydock/drydock/vulndb"
	"github.com/drydock/drydock/vulndb/dbartifact"
)

var t0 = time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)

// TestRoundTrip pushes a database built from real advisories through
// drydock's authenticated registry, checks the manifest is an OCI 1.1
// artifact, pulls it by tag and by digest into new paths and reads an
// advisory back from each.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	host := startRegistry(t)
	src := filepath.Join(t.TempDir(), "vuln.db")
	buildDB(t, src, t0)
	ref := host + "/vulndb/osv:latest"
	created := time.Date(2026, 11, 21, 9, 30, 0, 0, time.UTC)
	pushed, err := dbartifact.Push(ctx, src, ref, append(asAdmin, dbartifact.WithClock(func() time.Time { return created }))...)
	if err != nil {
		t.Fatalf("Push: %v", err)
	}
	if pushed.Records != 2 || pushed.LayerSize <= 0 || !pushed.Newest.Equal(t0) || !strings.HasPrefix(pushed.Ref, host+"/vulndb/osv@sha256:") {
		t.Errorf("Push = %+v; want 2 records, a layer, newest %s, a digest reference", pushed, t0)
	}
	if l := leftovers(t, filepath.Dir(src)); len(l) != 0 {
		t.Errorf("push left %v beside the database", l)
	}

	desc, err := remote.Get(mustRef(t, pushed.Ref), adminAuth)
	if err != nil {
		t.Fatal(err)
	}
	var m v1.Manifest
	if err := json.Unmarshal(desc.Manifest, &m); err != nil {
		t.Fatal(err)
	}
	checks := []struct{ what, got, want string }{
		{"manifest media type", string(m.MediaType), string(types.OCIManifestSchema1)},
		{"artifactType", m.ArtifactType, dbartifact.ArtifactType},
		{"config media type", string(m.Config.MediaType), "application/vnd.oci.empty.v1+json"},
		{"config digest", m.Config.Digest.String(), "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},
		{"config data", string(m.Config.Data), "{}"},
		{"layer media type", string(m.Layers[0].MediaType), dbartifact.LayerMediaType},
		{"created", m.Annotations[dbartifact.AnnotationCreated], "2026-11-21T09:30:00Z"},
		{"schema version", m.Annotations[dbartifact.AnnotationSchemaVersion], "1"},
		{"records", m.Annotations[dbartifact.AnnotationRecords], "2"},
		{"sources", m.Annotations[dbartifact.AnnotationSources], `{"build":"2026-11-20T08:00:00Z"}`},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
		}
	}

	for _, from := range []string{ref, pushed.Ref} {
		dst := filepath.Join(t.TempDir(), "scanner", "vuln.db")
		pulled, err := dbartifact.Pull(ctx, dst, from, asAdmin...)
		if err != nil {
			t.Fatalf("Pull %s: %v", from, err)
		}
		if pulled.Ref != pushed.Ref || pulled.Records != 2 || pulled.LayerSize != pushed.LayerSize {
			t.Errorf("Pull %s = %+v, want ref %s, 2 records, layer %d bytes", from, pulled, pushed.Ref, pushed.LayerSize)
		}
		db, err := vulndb.Open(ctx, dst)
		if err != nil {
			t.Fatalf("open pulled database: %v", err)
		}
		advs, err := db.Advisories(ctx, "Go", "stdlib")
		db.Close()
		if err != nil || len(advs) != 1 || advs[0].ID != "GO-2023-2102" {
			t.Errorf("pulled Advisories(Go, stdlib) = %v, %v; want GO-2023-2102", advs, err)
		}
		if l := leftovers(t, filepath.Dir(dst)); len(l) != 0 {
			t.Errorf("pull left %v beside the database", l)
		}
	}
}

// TestPullFailuresKeepTheOldDatabase pulls wrong, broken, too large and
// older artifacts over a working database: each is an exit-2 error saying
// what was wrong, and the old database still answers.
func TestPullFailuresKeepTheOldDatabase(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	host := startRegistry(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.db")
	buildDB(t, good, t0)
	goodBytes, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	future := filepath.Join(dir, "future.db")
	buildDB(t, future, t0)
	setSchemaVersion(t, future, 2)
	futureBytes, err := os.ReadFile(future)
	if err != nil {
		t.Fatal(err)
	}
	older := filepath.Join(dir, "older.db")
	buildDB(t, older, t0.Add(-24*time.Hour))

	img, err := random.Image(512, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(mustRef(t, host+"/vulndb/image:1"), img, adminAuth); err != nil {
		t.Fatal(err)
	}
	goodZ := zstdBytes(t, goodBytes)
	pushArtifact(t, host+"/vulndb/sbom:1", "application/vnd.example.sbom", dbartifact.LayerMediaType, goodZ)
	pushArtifact(t, host+"/vulndb/gzip:1", dbartifact.ArtifactType, "application/vnd.oci.image.layer.v1.tar+gzip", goodZ)
	pushArtifact(t, host+"/vulndb/truncated:1", dbartifact.ArtifactType, dbartifact.LayerMediaType, goodZ[:len(goodZ)/2])
	pushArtifact(t, host+"/vulndb/text:1", dbartifact.ArtifactType, dbartifact.LayerMediaType, zstdBytes(t, []byte("not a database at all\n")))
	pushArtifact(t, host+"/vulndb/future:1", dbartifact.ArtifactType, dbartifact.LayerMediaType, zstdBytes(t, futureBytes))
	pushArtifact(t, host+"/vulndb/good:1", dbartifact.ArtifactType, dbartifact.LayerMediaType, goodZ)
	if _, err := dbartifact.Push(ctx, older, host+"/vulndb/older:1", asAdmin...); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		ref     string              // repository and tag under the registry
		opts    []dbartifact.Option // besides the admin's credentials
		wantIs  error
		wantMsg string // a substring of the error
	}{
		{"an image", "vulndb/image:1", nil, dbartifact.ErrNotVulnDB, "manifest media type application/vnd.docker.distribution.manifest.v2+json"},
		{"another artifact", "vulndb/sbom:1", nil, dbartifact.ErrNotVulnDB, "artifactType application/vnd.example.sbom"},
		{"a gzip tar layer", "vulndb/gzip:1", nil, dbartifact.ErrNotVulnDB, "layer media type application/vnd.oci.image.layer.v1.tar+gzip"},
		{"a truncated layer", "vulndb/truncated:1", nil, dbartifact.ErrLayer, "decompressing"},
		{"not a database", "vulndb/text:1", nil, vulndb.ErrForeign, "the pulled file"},
		{"a schema from the future", "vulndb/future:1", nil, vulndb.ErrSchema, "schema version 2"},
		{"a layer over the limit", "vulndb/good:1", []dbartifact.Option{dbartifact.WithMaxSize(100, 1<<30)}, dbartifact.ErrLayer, "over the 100 byte limit"},
		{"a database over the limit", "vulndb/good:1", []dbartifact.Option{dbartifact.WithMaxSize(1<<30, 4096)}, dbartifact.ErrLayer, "over the 4096 byte limit"},
		{"an older database", "vulndb/older:1", nil, dbartifact.ErrOlder, "pulled data imported 2026-11-19T08:00:00Z, local data 2026-11-20T08:00:00Z"},
		{"a missing tag", "vulndb/good:nope", nil, nil, "MANIFEST_UNKNOWN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			dst := filepath.Join(t.TempDir(), "vuln.db")
			buildDB(t, dst, t0)
			before, err := os.ReadFile(dst)
			if err != nil {
				t.Fatal(err)
			}
			_, err = dbartifact.Pull(ctx, dst, host+"/"+tt.ref, append(asAdmin, tt.opts...)...)
			var de *dbartifact.Error
			if !errors.As(err, &de) || !de.InvalidInput() {
				t.Fatalf("Pull = %v; want a *dbartifact.Error (exit 2)", err)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("Pull = %v; want errors.Is %v", err, tt.wantIs)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("Pull = %q; want it to say %q", err, tt.wantMsg)

			}
			if after, _ := os.ReadFile(dst); !bytes.Equal(after, before) {
				t.Errorf("the database changed")
			}
			db, err := vulndb.Open(ctx, dst)
			if err != nil {
				t.Fatalf("old database after the failed pull: %v", err)
			}
			defer db.Close()
			if a, err := db.Advisory(ctx, "DEBIAN-CVE-2023-38545"); err != nil || a.ID != "DEBIAN-CVE-2023-38545" {
				t.Errorf("old database Advisory = %v, %v", a, err)
			}
			if l := leftovers(t, filepath.Dir(dst)); len(l) != 0 {
				t.Errorf("failed pull left %v", l)
			}
		})
	}

	// --force takes the older database.
	dst := filepath.Join(t.TempDir(), "vuln.db")
	buildDB(t, dst, t0)
	res, err := dbartifact.Pull(ctx, dst, host+"/vulndb/older:1", append(asAdmin, dbartifact.WithForce())...)
	if err != nil || !res.Newest.Equal(t0.Add(-24*time.Hour)) {
		t.Errorf("Pull --force of the older database = %+v, %v; want newest %s", res, err, t0.Add(-24*time.Hour))
	}
}

// TestPushRefused: no credentials, a wrong password and a bad reference
// are exit-2 errors carrying the registry's reason; a missing database is
// vulndb's own error.
func TestPushRefused(t *testing.T) {
	ctx := t.Context()
	host := startRegistry(t)
	src := filepath.Join(t.TempDir(), "vuln.db")
	buildDB(t, src, t0)
	tests := []struct {
		name    string
		db, ref string
		opts    []dbartifact.Option
		wantMsg string
	}{
		{"anonymous", src, host + "/vulndb/osv:1", []dbartifact.Option{dbartifact.WithInsecure()}, "no push access to vulndb/osv"},
		{"wrong password", src, host + "/vulndb/osv:1", []dbartifact.Option{dbartifact.WithBasicAuth("admin", "not the password"), dbartifact.WithInsecure()}, "UNAUTHORIZED: invalid credentials"},
		{"a digest, not a tag", src, host + "/vulndb/osv@sha256:" + strings.Repeat("a", 64), asAdmin, "not a tag reference"},
		{"no database", filepath.Join(t.TempDir(), "none.db"), host + "/vulndb/osv:1", asAdmin, "no vulnerability database"},
	}
	// Anonymous means no Docker credentials either.
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := dbartifact.Push(ctx, tt.db, tt.ref, tt.opts...)
			var ec interface{ InvalidInput() bool }
			if !errors.As(err, &ec) || !ec.InvalidInput() {
				t.Fatalf("Push = %v; want an exit-2 error", err)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("Push = %q; want it to say %q", err, tt.wantMsg)
			}
		})
	}
}

func mustRef(t *testing.T, s string) name.Reference {
	t.Helper()
	r, err := name.ParseReference(s, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestPushWhileUpdating pushes while updates keep renaming new files over
// the database: every snapshot is one whole file, never a mix.
func TestPushWhileUpdating(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	host := startRegistry(t)
	src := filepath.Join(t.TempDir(), "vuln.db")
	buildDB(t, src, t0)
	stop := make(chan struct{})
	done := make(chan error)
	go func() {
		for i := 1; ; i++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			at := t0.Add(time.Duration(i) * time.Minute)
			if err := vulndb.Build(ctx, src, nil, vulndb.WithClock(func() time.Time { return at })); err != nil {
				done <- err
				return
			}
		}
	}()
	for i := range 3 {
		res, err := dbartifact.Push(ctx, src, fmt.Sprintf("%s/vulndb/busy:%d", host, i), asAdmin...)
		if err != nil {
			t.Fatalf("Push during updates: %v", err)
		}
		dst := filepath.Join(t.TempDir(), "vuln.db")
		pulled, err := dbartifact.Pull(ctx, dst, res.Ref, asAdmin...)
		if err != nil {
			t.Fatalf("Pull of a push made during updates: %v", err)
		}
		if pulled.Records != res.Records || !pulled.Newest.Equal(res.Newest) {
			t.Errorf("pulled %d records imported %s; the push described %d imported %s", pulled.Records, pulled.Newest, res.Records, res.Newest)
		}
	}
	close(stop)
	if err := <-done; err != nil {
		t.Fatalf("concurrent Build: %v", err)
	}
}
