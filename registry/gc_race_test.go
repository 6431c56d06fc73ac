package registry_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/drydock/drydock/blobstore"
	"github.com/drydock/drydock/registry"
	"github.com/drydock/drydock/store/storetest"
)

// TestPushRacingGC: crane's library pushes images into a registry on
// PostgreSQL while gc runs again and again with no grace period, which
// deletes whatever is unreferenced the moment it looks. A push may then be
// refused (its blobs were collected before its manifest came; the client
// retries), but every push the registry acknowledged must stay pullable,
// every layer intact. The interleavings are the scheduler's; the store-level races are pinned
// down deterministically in store's TestGCDeletesRecheck and
// TestGCWaitsForPushInFlight.
func TestPushRacingGC(t *testing.T) {
	t.Parallel()
	st := storetest.Postgres(t)
	blobs, err := blobstore.NewFilesystem(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	rg, err := registry.New(st, blobs, registry.WithAnonymousAccess(), registry.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rg)
	t.Cleanup(func() { srv.Close(); rg.Close() })
	ctx := t.Context()

	const pushers, each = 3, 6
	var (
		mu    sync.Mutex
		acked = map[string]v1.Image{}
		wg    sync.WaitGroup
	)
	for p := range pushers {
		wg.Go(func() {
			for i := range each {
				img, err := random.Image(2048, 2)
				if err != nil {
					t.Error(err)
					return
				}
				ref, _ := name.ParseReference(fmt.Sprintf("%s/team/app%d:v%d", host(srv), p, i), name.Insecure)
				// A refused push promised nothing; clients retry, and so
				// does this one, a few times.
				for range 10 {
					if err = remote.Write(ref, img, remote.WithContext(ctx)); err == nil {
						break
					}
				}
				if err != nil {
					continue
				}
				mu.Lock()
				acked[ref.String()] = img
				mu.Unlock()
			}
		})
	}
	pushed := make(chan struct{})
	go func() { wg.Wait(); close(pushed) }()
	gcRuns := 0
	for running := true; running; {
		select {
		case <-pushed:
			running = false
		default:
		}
		if _, err := registry.CollectGarbage(ctx, st, blobs, registry.GCOptions{Delete: true, Grace: time.Nanosecond}); err != nil {
			t.Fatalf("gc: %v", err)
		}
		gcRuns++
	}
	if len(acked) == 0 {
		t.Fatal("no push was acknowledged; the race was not run")
	}
	for r, img := range acked {
		ref, _ := name.ParseReference(r, name.Insecure)
		got, err := remote.Image(ref, remote.WithContext(ctx))
		if err != nil {
			t.Errorf("acknowledged %s is not pullable: %v", r, err)
			continue
		}
		want, _ := img.Digest()
		if d, _ := got.Digest(); d != want {
			t.Errorf("%s: digest %s, want %s", r, d, want)
		}
		layers, err := got.Layers()
		if err != nil {
			t.Errorf("%s: layers: %v", r, err)
			continue
		}
		for _, l := range layers {
			rc, err := l.Compressed()
			if err == nil {
				_, err = io.Copy(io.Discard, rc) // verifies the digest as it reads
				rc.Close()
			}
			if err != nil {
				d, _ := l.Digest()
				t.Errorf("acknowledged %s: layer %s: %v", r, d, err)
			}
		}
	}
	t.Logf("%d of %d pushes acknowledged during %d gc runs, all pullable", len(acked), pushers*each, gcRuns)
}
