package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/drydock/drydock/image"
	"github.com/drydock/drydock/policy"
	"github.com/drydock/drydock/registry"
	"github.com/drydock/drydock/scan"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/verdict"
)

// ScanArgs is a scan job: judge the manifest Digest in Repo.
type ScanArgs struct {
	Repo   string `json:"repo"`
	Digest string `json:"digest"`
}

// Kind names the job in the queue.
func (ScanArgs) Kind() string { return "scan" }

// InsertOpts keeps one scan per manifest waiting or running at a time.
func (ScanArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{
		ByArgs: true,
		ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
			rivertype.JobStateRetryable, rivertype.JobStateScheduled},
	}}
}

// ScanCompleted is announced after a scan job stored its verdict.
type ScanCompleted struct {
	Repo, Digest string
	Verdict      *store.Verdict
	Duration     time.Duration
}

// VerdictChanged is announced when a scan changes a final verdict.
type VerdictChanged struct {
	Repo, Digest string
	From, To     store.VerdictStatus
	Verdict      *store.Verdict
}

type scanWorker struct {
	river.WorkerDefaults[ScanArgs]
	q *Queue
}

func (w *scanWorker) Work(ctx context.Context, job *river.Job[ScanArgs]) error {
	start := time.Now()
	v, err := w.q.judge(ctx, job.Args)
	if err != nil {
		if job.Attempt < job.MaxAttempts {
			return err // River retries with backoff
		}
		// The last attempt: record that the scan could not be done, so the
		// verdict says error instead of pending for ever.
		v = verdict.Errored(namespaceOf(job.Args.Repo), job.Args.Digest, err, time.Now())
	}
	if v == nil { // the manifest is gone
		return nil
	}
	if perr := w.q.record(ctx, job.Args, v, time.Since(start)); perr != nil {
		return perr
	}
	return err
}

// record stores v and announces it.
func (q *Queue) record(ctx context.Context, a ScanArgs, v *store.Verdict, took time.Duration) error {
	prev, err := q.verdicts.Put(ctx, v)
	if err != nil {
		return err
	}
	q.mu.Lock()
	onScan, onChange := q.o.onScan, q.o.onChange
	q.mu.Unlock()
	for _, fn := range onScan {
		fn(ScanCompleted{Repo: a.Repo, Digest: a.Digest, Verdict: v, Duration: took})
	}
	if final(prev) && prev != v.Status {
		for _, fn := range onChange {
			fn(VerdictChanged{Repo: a.Repo, Digest: a.Digest, From: prev, To: v.Status, Verdict: v})
		}
	}
	q.o.logger.Info("drydock: scanned", "repo", a.Repo, "digest", a.Digest, "verdict", v.Status, "took", took.Round(time.Millisecond))
	return nil
}

func final(s store.VerdictStatus) bool {
	return s == store.VerdictPass || s == store.VerdictFail || s == store.VerdictError
}

// judge scans the manifest and returns its verdict: nil when the manifest
// no longer exists, an error verdict when the image itself cannot be read
// (retrying would not help), and an error when the scan should be retried.
func (q *Queue) judge(ctx context.Context, a ScanArgs) (*store.Verdict, error) {
	ns := namespaceOf(a.Repo)
	pol, err := q.policyFor(ctx, ns)
	if err != nil {
		return nil, err
	}
	m, err := q.st.GetManifest(ctx, a.Repo, a.Digest)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	switch types.MediaType(m.MediaType) {
	case types.OCIImageIndex, types.DockerManifestList:
		idx, err := registry.StoredIndex(ctx, q.st, a.Repo, a.Digest)
		if err != nil {
			return nil, err
		}
		var parts []*store.Verdict
		for _, d := range idx.Manifests {
			if !platformImage(d) {
				continue
			}
			v, err := q.judgeImage(ctx, ns, a.Repo, d.Digest.String(), pol)
			if err != nil {
				return nil, err
			}
			if v == nil { // a sparse index: the platform was not pushed
				continue
			}
			if d.Platform != nil { // the index's word on the platform wins over the config's
				for i := range v.Blocking {
					v.Blocking[i].Platform = d.Platform.String()
				}
			}
			if _, err := q.verdicts.Put(ctx, v); err != nil {
				return nil, err
			}
			parts = append(parts, v)
		}
		return verdict.Combine(ns, a.Digest, parts), nil
	default:
		return q.judgeImage(ctx, ns, a.Repo, a.Digest, pol)
	}
}

func (q *Queue) judgeImage(ctx context.Context, ns, repo, dgst string, pol *policy.Policy) (*store.Verdict, error) {
	raw, err := registry.StoredImage(ctx, q.st, q.o.blobs, repo, dgst)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return verdict.Errored(ns, dgst, err, time.Now()), nil
	}
	// The source names the store, not a pullable reference: the registry
	// does not know the host name its clients use.
	img, err := image.FromV1(raw, "drydock-store:"+repo+"@"+dgst)
	if err != nil {
		return verdict.Errored(ns, dgst, err, time.Now()), nil
	}
	opts := []scan.Option{scan.WithName(repo)}
	if pol != nil {
		opts = append(opts, scan.WithPolicy(pol))
	}
	res, err := q.o.scanner.ScanImage(ctx, img, opts...)
	if err != nil {
		if badInput(err) {
			return verdict.Errored(ns, dgst, err, time.Now()), nil
		}
		return nil, fmt.Errorf("scan %s@%s: %w", repo, dgst, err)
	}
	res.Inventory.Digest = dgst
	if err := q.verdicts.PutSBOM(ctx, dgst, res.Inventory); err != nil {
		return nil, err
	}
	return verdict.FromResult(ns, dgst, res, time.Now()), nil
}

func (q *Queue) policyFor(ctx context.Context, ns string) (*policy.Policy, error) {
	q.mu.Lock()
	src := q.o.policies
	q.mu.Unlock()
	if src == nil {
		return nil, nil
	}
	p, err := src.Policy(ctx, ns)
	if err != nil {
		return nil, fmt.Errorf("policy of namespace %q: %w", ns, err)
	}
	return p, nil
}

// platformImage is true for an index entry that is a runnable image, not
// an attestation manifest that build tools list beside the platforms.
func platformImage(d v1.Descriptor) bool {
	switch d.MediaType {
	case types.OCIManifestSchema1, types.DockerManifestSchema2:
	default:
		return false
	}
	if d.Annotations["vnd.docker.reference.type"] != "" {
		return false
	}
	return d.Platform == nil || d.Platform.OS != "unknown"
}

// badInput is true for an error caused by the image's content, which no
// retry will fix.
func badInput(err error) bool {
	var ii interface{ InvalidInput() bool }
	return errors.As(err, &ii) && ii.InvalidInput()
}

// namespaceOf is the repository's first path element, "" for a repository
// outside any namespace.
func namespaceOf(repo string) string {
	ns, _, ok := strings.Cut(repo, "/")
	if !ok {
		return ""
	}
	return ns
}
