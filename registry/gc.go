package registry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/drydock/drydock/blobstore"
	"github.com/drydock/drydock/store"
)

// GCOptions steer CollectGarbage.
type GCOptions struct {
	// Delete really deletes; false (the default) only reports — a dry run.
	Delete bool
	// Grace keeps anything younger, so a push in progress (blobs uploaded,
	// manifest not yet) is never collected. Zero keeps nothing; the CLI's
	// default is DefaultGrace.
	Grace time.Duration
	// Log receives one line per action; nil discards them.
	Log io.Writer
}

// GCReport counts what was (or, in a dry run, would be) removed.
type GCReport struct {
	Links         int   // repository → blob links no manifest needs
	Blobs         int   // blob rows and their bytes
	Bytes         int64 // bytes of those blobs
	StrayFiles    int   // blob files with no row (a crash between move and record)
	StaleUploads  int   // upload sessions untouched for longer than the grace period
	DryRun        bool
	FailedDeletes int
	// Kept counts what is unreferenced but younger than the grace period,
	// so left alone this time.
	Kept GCKept
}

// GCKept counts what the grace period kept.
type GCKept struct {
	Links, Blobs, StrayFiles, Uploads int
}

// DefaultGrace is how long `drydock gc` keeps unreferenced data by default:
// longer than any push takes between its first blob and its manifest.
const DefaultGrace = time.Hour

// CollectGarbage removes what no manifest needs: unreferenced blob links,
// then blobs no repository links, then stray files and stale uploads.
// Every delete re-checks, in its own statement, that the row is still
// garbage and older than the grace period, so a push racing the sweep
// keeps what it uses (see store.UnlinkUnreferenced).
func CollectGarbage(ctx context.Context, st *store.Store, blobs *blobstore.Store, o GCOptions) (GCReport, error) {
	if o.Grace < 0 {
		return GCReport{}, errors.New("registry: gc: negative grace period")
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	verb := "would remove"
	if o.Delete {
		verb = "removed"
	}
	cutoff := time.Now().Add(-o.Grace)
	rep := GCReport{DryRun: !o.Delete}
	links, err := st.UnreferencedLinks(ctx, cutoff)
	if err != nil {
		return rep, err
	}
	if err := countKept(ctx, st, cutoff, links, &rep.Kept); err != nil {
		return rep, err
	}
	for _, l := range links {
		if o.Delete {
			gone, err := st.UnlinkUnreferenced(ctx, l.Repo, l.Digest, cutoff)
			if err != nil {
				return rep, err
			}
			if !gone {
				continue // a push used it meanwhile
			}
		}
		rep.Links++
		fmt.Fprintf(o.Log, "%s link %s@%s\n", verb, l.Repo, l.Digest)
	}

	orphans, err := st.OrphanBlobs(ctx, cutoff)
	if err != nil {
		return rep, err
	}
	if !o.Delete {
		// A dry run has not removed the links, so count the blobs they free too.
		orphans = append(orphans, freedBy(ctx, st, links)...)
	}
	for _, ds := range orphans {
		d, err := blobstore.ParseDigest(ds)
		if err != nil {
			continue
		}
		size, _ := blobs.Stat(ctx, d)
		if o.Delete {
			var bytesErr error
			gone, err := st.DeleteOrphanBlob(ctx, ds, cutoff, func() error {
				if err := blobs.Delete(ctx, d); err != nil && !errors.Is(err, blobstore.ErrBlobUnknown) {
					bytesErr = err
					return err
				}
				return nil
			})
			if bytesErr != nil {
				rep.FailedDeletes++
				fmt.Fprintf(o.Log, "could not delete bytes of %s: %v\n", ds, bytesErr)
				continue
			}
			if err != nil {
				return rep, err
			}
			if !gone {
				continue // linked again meanwhile
			}
		}
		rep.Blobs++
		rep.Bytes += size
		fmt.Fprintf(o.Log, "%s blob %s (%d bytes)\n", verb, ds, size)
	}

	err = blobs.Walk(ctx, func(d blobstore.Digest, size int64, mod time.Time) error {
		_, known, err := st.BlobExists(ctx, d.String())
		if err != nil || known {
			return err
		}
		if mod.After(cutoff) {
			rep.Kept.StrayFiles++ // maybe a push between its move and its record
			return nil
		}
		if o.Delete {
			gone, err := st.DeleteStrayBlob(ctx, d.String(), func() error { return blobs.Delete(ctx, d) })
			if err != nil {
				rep.FailedDeletes++
				return nil
			}
			if !gone {
				return nil // recorded meanwhile
			}
		}
		rep.StrayFiles++
		fmt.Fprintf(o.Log, "%s stray file %s (%d bytes)\n", verb, d, size)
		return nil
	})
	if err != nil {
		return rep, err
	}

	ups, err := st.StaleUploads(ctx, cutoff)
	if err != nil {
		return rep, err
	}
	for _, u := range ups {
		if o.Delete {
			if err := blobs.Cancel(ctx, u.ID); err != nil {
				// Written to right now after all: it was not stale.
				rep.FailedDeletes++
				fmt.Fprintf(o.Log, "could not remove upload %s: %v\n", u.ID, err)
				continue
			}
			if err := st.DeleteUpload(ctx, u.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
				return rep, err
			}
		}
		rep.StaleUploads++
		fmt.Fprintf(o.Log, "%s upload %s in %s (%d bytes, last written %s)\n", verb, u.ID, u.Repo, u.Written, u.UpdatedAt.Format(time.RFC3339))
	}
	return rep, nil
}

// freedBy lists blobs whose only links are among links (for dry runs).
func freedBy(ctx context.Context, st *store.Store, links []store.BlobLink) []string {
	byDigest := map[string]int{}
	for _, l := range links {
		byDigest[l.Digest]++
	}
	var out []string
	for d, n := range byDigest {
		repos, err := st.BlobRepositories(ctx, d)
		if err == nil && len(repos) == n {
			out = append(out, d)
		}
	}
	return out
}

// ExpireUploads cancels upload sessions untouched for longer than maxAge —
// clients that gave up — and reports how many. drydock serve runs it
// hourly, so abandoned uploads do not wait for a gc.
func (rg *Registry) ExpireUploads(ctx context.Context, maxAge time.Duration) (int, error) {
	ups, err := rg.st.StaleUploads(ctx, time.Now().Add(-maxAge))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, u := range ups {
		unlock := rg.lockUpload(u.ID)
		err := rg.blobs.Cancel(ctx, u.ID)
		if err == nil {
			err = rg.st.DeleteUpload(ctx, u.ID)
		}
		unlock()
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return n, err
		}
		n++
	}
	return n, nil
}

// countKept counts what is unreferenced now but younger than cutoff.
// links are the links unreferenced before cutoff, which the caller has
// listed already.
func countKept(ctx context.Context, st *store.Store, cutoff time.Time, links []store.BlobLink, k *GCKept) error {
	now := time.Now()
	all, err := st.UnreferencedLinks(ctx, now)
	if err != nil {
		return err
	}
	k.Links = len(all) - len(links)
	for _, c := range []struct {
		n    *int
		list func(time.Time) (int, error)
	}{
		{&k.Blobs, func(t time.Time) (int, error) { l, err := st.OrphanBlobs(ctx, t); return len(l), err }},
		{&k.Uploads, func(t time.Time) (int, error) { l, err := st.StaleUploads(ctx, t); return len(l), err }},
	} {
		all, err := c.list(now)
		if err != nil {
			return err
		}
		old, err := c.list(cutoff)
		if err != nil {
			return err
		}
		*c.n = all - old
	}
	return nil
}
