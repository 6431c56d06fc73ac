package registry_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/drydock/drydock/blobstore"
	"github.com/drydock/drydock/registry"
	"github.com/drydock/drydock/store/storetest"
)

// TestStoredImage pushes an image and an index with go-containerregistry,
// then reads them back from the store and blob store directly: the same
// manifest digest, config and layer bytes, and the index's children.
func TestStoredImage(t *testing.T) {
	st := storetest.SQLite(t)
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
	ctx := context.Background()

	img, err := random.Image(2048, 2)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.NewTag(host(srv)+"/team/app:v1", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	want, _ := img.Digest()
	got, err := registry.StoredImage(ctx, st, blobs, "team/app", want.String())
	if err != nil {
		t.Fatal(err)
	}
	if d, err := got.Digest(); err != nil || d != want {
		t.Errorf("stored digest = %v, %v; want %v", d, err, want)
	}
	if cn, err := got.ConfigName(); err != nil {
		t.Errorf("config: %v", err)
	} else if wcn, _ := img.ConfigName(); cn != wcn {
		t.Errorf("config digest = %v, want %v", cn, wcn)
	}
	layers, err := got.Layers()
	if err != nil || len(layers) != 2 {
		t.Fatalf("layers = %d, %v; want 2", len(layers), err)
	}
	wantLayers, _ := img.Layers()
	for i, l := range layers {
		rc, err := l.Compressed()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		size, _ := wantLayers[i].Size()
		if int64(len(b)) != size {
			t.Errorf("layer %d: read %d bytes, want %d", i, len(b), size)
		}
	}
	// Another repository does not hold the blobs: nothing leaks across.
	if _, err := registry.StoredImage(ctx, st, blobs, "other/app", want.String()); err == nil {
		t.Error("StoredImage served a manifest from a repository that does not hold it")
	}

	idx, err := random.Index(1024, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	iref, _ := name.NewTag(host(srv)+"/team/multi:v1", name.Insecure)
	if err := remote.WriteIndex(iref, idx); err != nil {
		t.Fatal(err)
	}
	idig, _ := idx.Digest()
	im, err := registry.StoredIndex(ctx, st, "team/multi", idig.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 2 {
		t.Errorf("index lists %d manifests, want 2", len(im.Manifests))
	}
	if _, err := registry.StoredImage(ctx, st, blobs, "team/multi", idig.String()); err == nil {
		t.Error("StoredImage opened an index as an image")
	}
	child, err := registry.StoredImage(ctx, st, blobs, "team/multi", im.Manifests[0].Digest.String())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := child.ConfigFile(); err != nil {
		t.Errorf("child config: %v", err)
	}
}
