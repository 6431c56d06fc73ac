package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/store/storetest"
)

func digestOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// TestGCDeletesRecheck: what gc listed as garbage and a push used before
// gc came to delete it stays, on both dialects; what nobody used goes.
// The listing and the deletes are separate steps, as in CollectGarbage,
// with the push in between — the race that once left a tagged manifest
// whose blobs answered 404.
func TestGCDeletesRecheck(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		used, idle, relinked, dead := digestOf("used"), digestOf("idle"), digestOf("relinked"), digestOf("dead")
		for _, d := range []string{used, idle, relinked, dead} {
			if err := st.PutBlob(ctx, "team/app", d, 4); err != nil {
				t.Fatal(err)
			}
		}
		for _, d := range []string{relinked, dead} {
			if err := st.UnlinkBlob(ctx, "team/app", d); err != nil {
				t.Fatal(err)
			}
		}
		cutoff := time.Now()
		links, err := st.UnreferencedLinks(ctx, cutoff)
		if err != nil || len(links) != 2 {
			t.Fatalf("unreferenced links = %v, %v; want used and idle", links, err)
		}
		orphans, err := st.OrphanBlobs(ctx, cutoff)
		if err != nil || len(orphans) != 2 {
			t.Fatalf("orphan blobs = %v, %v; want relinked and dead", orphans, err)
		}

		// Pushes land between the listing and the deletes.
		m := &store.Manifest{Repo: "team/app", Digest: digestOf("m"), MediaType: "application/vnd.oci.image.manifest.v1+json",
			Content: []byte("m"), Blobs: []string{used}}
		if err := st.PutManifest(ctx, m, "v1"); err != nil {
			t.Fatal(err)
		}
		if err := st.PutBlob(ctx, "team/other", relinked, 4); err != nil {
			t.Fatal(err)
		}

		for _, c := range []struct {
			digest string
			want   bool
		}{{used, false}, {idle, true}} {
			gone, err := st.UnlinkUnreferenced(ctx, "team/app", c.digest, cutoff)
			if err != nil || gone != c.want {
				t.Errorf("unlink %s: gone %t, %v; want %t", c.digest[:15], gone, err, c.want)
			}
		}
		if _, err := st.BlobSize(ctx, "team/app", used); err != nil {
			t.Errorf("the pushed manifest's blob lost its link: %v", err)
		}
		for _, c := range []struct {
			digest string
			want   bool
		}{{relinked, false}, {dead, true}} {
			removed := false
			gone, err := st.DeleteOrphanBlob(ctx, c.digest, cutoff, func() error { removed = true; return nil })
			if err != nil || gone != c.want || removed != c.want {
				t.Errorf("delete orphan %s: gone %t, bytes removed %t, %v; want %t", c.digest[:15], gone, removed, err, c.want)
			}
		}
		// A failure to remove the bytes keeps the row.
		if err := st.PutBlob(ctx, "team/app", dead, 4); err != nil {
			t.Fatal(err)
		}
		if err := st.UnlinkBlob(ctx, "team/app", dead); err != nil {
			t.Fatal(err)
		}
		boom := errors.New("disk on fire")
		if gone, err := st.DeleteOrphanBlob(ctx, dead, time.Now(), func() error { return boom }); gone || !errors.Is(err, boom) {
			t.Errorf("delete with failing bytes: gone %t, %v; want kept and the error", gone, err)
		}
		if _, ok, _ := st.BlobExists(ctx, dead); !ok {
			t.Error("the row went although its bytes could not")
		}
	})
}

// TestGCWaitsForPushInFlight: on PostgreSQL a gc delete that meets a push
// still in its transaction — which has touched the link it relies on, as
// PutManifest does, even before this gc began — waits for it and then
// leaves the link. The delete is seen waiting on the lock
// (pg_stat_activity) before the push commits, so the order is fixed.
func TestGCWaitsForPushInFlight(t *testing.T) {
	t.Parallel()
	st := storetest.Postgres(t)
	ctx := t.Context()
	d := digestOf("layer")
	if err := st.PutBlob(ctx, "team/app", d, 4); err != nil {
		t.Fatal(err)
	}
	touched, commit := make(chan struct{}), make(chan struct{})
	pushDone := make(chan error, 1)
	go func() {
		pushDone <- st.InTx(ctx, func(tx *store.Tx) error {
			// What PutManifest does, with a pause before the commit.
			var repo int64
			if err := tx.QueryRowContext(ctx, "SELECT id FROM repositories WHERE name = 'team/app'").Scan(&repo); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "UPDATE repository_blobs SET created_at = ? WHERE repo_id = ? AND digest = ?", store.Now(), repo, d); err != nil {
				return err
			}
			close(touched)
			m := digestOf("manifest")
			if _, err := tx.ExecContext(ctx, `INSERT INTO manifests (repo_id, digest, media_type, size, content, subject, artifact_type, config_media_type, pushed_at)
				VALUES (?, ?, 'application/vnd.oci.image.manifest.v1+json', 1, ?, '', '', '', ?)`, repo, m, []byte("m"), store.Now()); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO manifest_blobs (repo_id, digest, blob_digest) VALUES (?, ?, ?)", repo, m, d); err != nil {
				return err
			}
			<-commit
			return nil
		})
	}()
	<-touched
	// This gc begins after the push touched the link: the touch is older
	// than the cutoff, so only the transaction's snapshot can save it.
	cutoff := time.Now()
	type result struct {
		gone bool
		err  error
	}
	gcDone := make(chan result, 1)
	go func() {
		gone, err := st.UnlinkUnreferenced(ctx, "team/app", d, cutoff)
		gcDone <- result{gone, err}
	}()
	waitForLockWait(ctx, t, st)
	close(commit)
	if err := <-pushDone; err != nil {
		t.Fatal(err)
	}
	if r := <-gcDone; r.err != nil || r.gone {
		t.Errorf("gc delete racing the push: gone %t, %v; want the link kept", r.gone, r.err)
	}
	if _, err := st.BlobSize(ctx, "team/app", d); err != nil {
		t.Errorf("the pushed manifest's blob lost its link: %v", err)
	}
}

// waitForLockWait returns once some session of the test's schema waits on
// a lock; each round is one query, and the test's deadline bounds them.
func waitForLockWait(ctx context.Context, t *testing.T, st *store.Store) {
	t.Helper()
	for ctx.Err() == nil {
		var n int
		if err := st.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_stat_activity
			WHERE wait_event_type = 'Lock' AND query LIKE 'DELETE FROM repository_blobs%'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
	}
	t.Fatal("the gc delete never waited for the push")
}

// TestUploadOwners: sessions count against their owner, on both dialects.
func TestUploadOwners(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		for _, id := range []string{"a1", "a2"} {
			if err := st.CreateUploadFor(ctx, "team/app", id, "alice", 2); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.CreateUploadFor(ctx, "team/app", "a3", "alice", 2); !errors.Is(err, store.ErrLimit) {
			t.Errorf("alice's third session: %v, want ErrLimit", err)
		}
		if err := st.CreateUploadFor(ctx, "team/app", "b1", "bob", 2); err != nil {
			t.Errorf("bob's first session: %v", err)
		}
		if err := st.AdvanceUpload(ctx, "a1", 0, 700, nil); err != nil {
			t.Fatal(err)
		}
		if n, err := st.OpenUploadBytes(ctx, "alice"); err != nil || n != 700 {
			t.Errorf("alice's open bytes = %d, %v; want 700", n, err)
		}
		if n, err := st.OpenUploadBytes(ctx, "carol"); err != nil || n != 0 {
			t.Errorf("carol's open bytes = %d, %v; want 0", n, err)
		}
	})
}
