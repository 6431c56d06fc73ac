package admission

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/opencontainers/go-digest"
)

// judged is what the checks found about one container's image.
type judged struct {
	container
	ref    imageRef
	digest digest.Digest
	// reasons are why the image must not run; empty: it may.
	reasons []string
	// failed is set when drydock itself could not check (fail-closed).
	failed bool
}

// judgeAll checks every container's image, distinct images at once.
func (w *Webhook) judgeAll(ctx context.Context, cs []container) []judged {
	out := make([]judged, len(cs))
	byImage := map[string][]int{}
	for i, c := range cs {
		out[i].container = c
		byImage[c.Image] = append(byImage[c.Image], i)
	}
	var wg sync.WaitGroup
	for img, idx := range byImage {
		wg.Go(func() {
			j := w.judge(ctx, img)
			for _, i := range idx {
				c := out[i].container
				out[i] = j
				out[i].container = c
			}
		})
	}
	wg.Wait()
	return out
}

// judge checks one image: an allowed registry, a manifest there, a
// passing verdict (scanning on demand), a trusted signature and signed
// provenance from an allowed source repository where needed.
func (w *Webhook) judge(ctx context.Context, image string) judged {
	var j judged
	ref, err := parseImage(image)
	if err != nil {
		j.reasons = []string{err.Error()}
		return j
	}
	j.ref = ref
	if !slices.Contains(w.cfg.Registries, ref.Registry) {
		j.reasons = []string{fmt.Sprintf("registry %s is not allowed (allowed: %s)", ref.Registry, strings.Join(w.cfg.Registries, ", "))}
		return j
	}
	d, err := w.resolve.Resolve(ctx, ref.Repo, ref.ref())
	if err != nil {
		j.add(err)
		return j
	}
	j.digest = d
	if r, ok := w.cache.get(ref.Repo, d, w.now()); ok {
		j.reasons = r
		return j
	}
	scanned, err := w.scanned(ctx, ref.Repo, d)
	if err != nil {
		j.add(err)
		return j
	}
	if !scanned {
		j.reasons = []string{fmt.Sprintf("not scanned: the scan of %s queued on demand did not finish within the admission deadline; retry shortly", d)}
		return j
	}
	j.add(w.verdicts.Judge(ctx, ref.Repo, d))
	j.add(w.sigs.CheckSignature(ctx, ref.Repo, d))
	j.add(w.prov.CheckProvenance(ctx, ref.Repo, d))
	if !j.failed {
		w.cache.put(ref.Repo, d, j.reasons, w.now())
	}
	return j
}

// add records err as a reason: a refusal's own words, or that drydock
// could not check.
func (j *judged) add(err error) {
	if err == nil {
		return
	}
	var r *Refused
	if errors.As(err, &r) {
		j.reasons = append(j.reasons, strings.TrimPrefix(r.Reason, "quarantined: "))
		return
	}
	j.failed = true
	j.reasons = append(j.reasons, "drydock could not check it: "+err.Error())
}

// scanned reports whether a final scan result is stored for d, queueing a
// scan of a digest never scanned and waiting for it until shortly before
// ctx's deadline.
func (w *Webhook) scanned(ctx context.Context, repo string, d digest.Digest) (bool, error) {
	final, err := w.scans.Final(ctx, repo, d)
	if err != nil || final {
		return final, err
	}
	known, err := w.scans.Known(ctx, repo, d)
	if err != nil {
		return false, err
	}
	if !known {
		if err := w.scans.Enqueue(ctx, repo, d); err != nil {
			return false, err
		}
	}
	// Leave time to judge and answer before the deadline.
	wait, cancel := context.WithTimeout(ctx, w.remaining(ctx)-w.cfg.Timeout/10)
	defer cancel()
	t := time.NewTicker(w.cfg.PollEvery)
	defer t.Stop()
	for {
		select {
		case <-wait.Done():
			return false, nil
		case <-t.C:
		}
		final, err := w.scans.Final(ctx, repo, d)
		if err != nil || final {
			return final, err
		}
	}
}

// remaining is the time left before ctx's deadline, or the timeout.
func (w *Webhook) remaining(ctx context.Context) time.Duration {
	if dl, ok := ctx.Deadline(); ok {
		return time.Until(dl)
	}
	return w.cfg.Timeout
}
