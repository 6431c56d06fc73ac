package registry_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/drydock/drydock/blobstore"
	"github.com/drydock/drydock/registry"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/store/storetest"
)

func TestCollectGarbage(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
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
		defer srv.Close()
		for _, b := range []string{"{}", "kept layer", "layer of the deleted image", "never used"} {
			do(t, srv, call{"POST", "/v2/team/app/blobs/uploads/?digest=" + sha(b), nil, b})
		}
		keep, drop := manifest("{}", "kept layer"), manifest("{}", "layer of the deleted image")
		for tag, m := range map[string]string{"keep": keep, "drop": drop} {
			if status, _, _, body := do(t, srv, call{"PUT", "/v2/team/app/manifests/" + tag, map[string]string{"Content-Type": imageMT}, m}); status != 201 {
				t.Fatalf("push %s = %d %s", tag, status, body)
			}
		}
		if status, _, _, _ := do(t, srv, call{"DELETE", "/v2/team/app/manifests/" + sha(drop), nil, ""}); status != 202 {
			t.Fatalf("delete manifest = %d", status)
		}
		// Bytes with no record at all, as a crash between move and record leaves.
		stray := blobstore.FromBytes("sha256", []byte("stray"))
		if _, err := blobs.Put(ctx, stray, strings.NewReader("stray")); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)

		var log bytes.Buffer
		dry, err := registry.CollectGarbage(ctx, st, blobs, registry.GCOptions{Grace: time.Millisecond, Log: &log})
		if err != nil {
			t.Fatal(err)
		}
		if !dry.DryRun || dry.Links != 2 || dry.Blobs != 2 || dry.StrayFiles != 1 {
			t.Errorf("dry run = %+v, want 2 links, 2 blobs, 1 stray file\n%s", dry, log.String())
		}
		if status, _, _, _ := do(t, srv, call{"HEAD", "/v2/team/app/blobs/" + sha("never used"), nil, ""}); status != 200 {
			t.Errorf("a dry run removed a blob: HEAD = %d", status)
		}

		rep, err := registry.CollectGarbage(ctx, st, blobs, registry.GCOptions{Delete: true, Grace: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Links != 2 || rep.Blobs != 2 || rep.StrayFiles != 1 || rep.FailedDeletes != 0 {
			t.Errorf("gc = %+v, want 2 links, 2 blobs, 1 stray file", rep)
		}
		for _, b := range []string{"never used", "layer of the deleted image"} {
			d, _ := blobstore.ParseDigest(sha(b))
			if _, err := blobs.Stat(ctx, d); !errors.Is(err, blobstore.ErrBlobUnknown) {
				t.Errorf("bytes of %q still stored: %v", b, err)
			}
		}
		if _, err := blobs.Stat(ctx, stray); !errors.Is(err, blobstore.ErrBlobUnknown) {
			t.Errorf("stray file still stored: %v", err)
		}
		// What the kept image needs is all still there.
		for _, b := range []string{"{}", "kept layer"} {
			if status, _, _, body := do(t, srv, call{"GET", "/v2/team/app/blobs/" + sha(b), nil, ""}); status != 200 || string(body) != b {
				t.Errorf("GET kept blob %q = %d %q", b, status, body)
			}
		}
		// Nothing young is touched.
		do(t, srv, call{"POST", "/v2/team/app/blobs/uploads/?digest=" + sha("fresh"), nil, "fresh"})
		rep, err = registry.CollectGarbage(ctx, st, blobs, registry.GCOptions{Delete: true, Grace: registry.DefaultGrace})
		if err != nil || rep.Links+rep.Blobs+rep.StrayFiles != 0 {
			t.Errorf("gc with the default grace removed something young: %+v, %v", rep, err)
		}
		if rep.Kept.Links != 1 {
			t.Errorf("gc with the default grace kept %+v, want the fresh link counted as kept", rep.Kept)
		}
	})
}

func TestExpireUploads(t *testing.T) {
	st := storetest.SQLite(t)
	blobs, _ := blobstore.NewFilesystem(t.TempDir())
	rg, err := registry.New(st, blobs, registry.WithAnonymousAccess(), registry.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	defer rg.Close()
	srv := httptest.NewServer(rg)
	defer srv.Close()
	_, h, _, _ := do(t, srv, call{"POST", "/v2/team/app/blobs/uploads/", nil, ""})
	loc := h.Get("Location")
	do(t, srv, call{"PATCH", loc, nil, "half a blob"})
	if n, err := rg.ExpireUploads(context.Background(), time.Hour); err != nil || n != 0 {
		t.Fatalf("ExpireUploads(1h) = %d, %v; want 0 (the upload is fresh)", n, err)
	}
	if n, err := rg.ExpireUploads(context.Background(), 0); err != nil || n != 1 {
		t.Fatalf("ExpireUploads(0) = %d, %v; want 1", n, err)
	}
	if status, _, code, _ := do(t, srv, call{"GET", loc, nil, ""}); status != 404 || code != "BLOB_UPLOAD_UNKNOWN" {
		t.Errorf("expired upload status = %d %s, want 404 BLOB_UPLOAD_UNKNOWN", status, code)
	}
}
