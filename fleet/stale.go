package fleet

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/policy"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/verdict"
)

// maxBaseCandidates bounds the manifests read to find an image's base.
const maxBaseCandidates = 500

// staleness is how far img has fallen behind: its age against the
// policy's maxAge, the newer passing build of its repository, and whether
// the base image it was built on has moved on.
func (a *analysis) staleness(ctx context.Context, img *Image, f *facts) (*Staleness, error) {
	pol, err := a.policyOf(ctx, f)
	if err != nil {
		return nil, err
	}
	s := a.age(img, pol)
	if f.path != "" {
		if err := a.newerPassing(ctx, img, f); err != nil {
			return nil, err
		}
		if len(f.newer) > 0 {
			at := f.newer[0].PushedAt.UTC()
			s.NewerPassing, s.NewerPassingAt = digest.Digest(f.newer[0].Digest), &at
			s.DaysBehind = max(0, days(a.now.Sub(f.newer[len(f.newer)-1].PushedAt)))
		}
	}
	if s.Base, err = a.base(ctx, img, f); err != nil {
		return nil, err
	}
	return s, nil
}

// policyOf is the policy whose thresholds f's image is held to: its
// namespace's when it comes from the private registry and the namespace
// policies are known, else the audit's.
func (a *analysis) policyOf(ctx context.Context, f *facts) (*policy.Policy, error) {
	if a.cfg.Policies == nil || f.path == "" {
		return a.pol, nil
	}
	pol, err := a.cfg.Policies.Policy(ctx, f.ns)
	if err != nil {
		return nil, fmt.Errorf("fleet: policy of namespace %q: %w", f.ns, err)
	}
	return pol, nil
}

// age is the part of Staleness the image alone gives under pol: age,
// maxAge, fixable findings.
func (a *analysis) age(img *Image, pol *policy.Policy) *Staleness {
	s := &Staleness{AgeDays: -1}
	for _, fd := range img.Findings {
		if len(fd.Fixed) > 0 {
			s.Fixable++
		}
	}
	maxAge := pol.MaxAge()
	if maxAge > 0 {
		// Rounded up: a limit of 36h is not "0 days".
		s.MaxAgeDays = days(maxAge + 24*time.Hour - 1)
	}
	if img.Created != nil {
		age := a.now.Sub(*img.Created)
		s.AgeDays = max(0, days(age))
		s.OverMaxAge = maxAge > 0 && age > maxAge
	}
	return s
}

// newerPassing fills f.pushed and f.newer: the images of f.path pushed
// after img (or, when the registry no longer holds img, created after it)
// whose verdict under f.ns passes, newest first.
func (a *analysis) newerPassing(ctx context.Context, img *Image, f *facts) error {
	arts, err := a.artifacts(ctx, f.path)
	if err != nil {
		return err
	}
	for _, art := range arts {
		if art.Digest == img.Digest.String() {
			f.pushed = art.PushedAt
		}
	}
	after := f.pushed
	if after.IsZero() {
		if img.Created == nil {
			return nil
		}
		after = *img.Created
	}
	// A multi-platform build is its index: its platform images are not
	// builds of their own, and the index listing img is img's own build.
	idx, err := a.indexes(ctx, f.path, arts)
	if err != nil {
		return err
	}
	own := map[string]bool{}
	for _, art := range idx[img.Digest.String()] {
		own[art.Digest] = true
	}
	for _, art := range arts {
		if !art.PushedAt.After(after) || art.Digest == img.Digest.String() || own[art.Digest] || len(idx[art.Digest]) > 0 ||
			!isImage(art.MediaType, art.ConfigMediaType, art.Subject) {
			continue
		}
		v, err := a.verdict(ctx, f.ns, digest.Digest(art.Digest))
		if err != nil {
			return err
		}
		if v == string(store.VerdictPass) {
			f.newer = append(f.newer, art)
		}
	}
	return nil
}

// base finds the registry image img was built on: the image manifest, in
// another repository, whose layers are the longest proper prefix of img's.
// nil when img's layers are not known or no such image is held.
func (a *analysis) base(ctx context.Context, img *Image, f *facts) (*Base, error) {
	layers, err := a.layers(ctx, img, f)
	if err != nil || len(layers) < 2 || len(layers) > store.MaxBaseLayers {
		return nil, err
	}
	cands, err := a.st.ManifestsWithin(ctx, layers, maxBaseCandidates)
	if err != nil {
		return nil, fmt.Errorf("fleet: base image of %s: %w", img.Digest, err)
	}
	var best *store.Manifest
	bestLen := 0
	for _, c := range cands {
		if c.Repo == f.path || c.Digest == img.Digest.String() || !isImage(c.MediaType, c.ConfigMediaType, c.Subject) {
			continue
		}
		cl := layersOf(c.Content)
		// Candidates come newest push first: on a tie the newest wins.
		if len(cl) > bestLen && len(cl) < len(layers) && slices.Equal(cl, layers[:len(cl)]) {
			best, bestLen = c, len(cl)
		}
	}
	if best == nil {
		return nil, nil
	}
	b := &Base{Repository: a.registryRepo(f, best.Repo), Digest: digest.Digest(best.Digest)}
	art, err := a.st.GetArtifact(ctx, best.Repo, best.Digest)
	if err != nil {
		return nil, fmt.Errorf("fleet: base image %s@%s: %w", best.Repo, best.Digest, err)
	}
	if len(art.Tags) > 0 {
		// Still tagged: the tag names this digest now.
		b.Tag, b.Current = pickTag(art.Tags), b.Digest
		return b, nil
	}
	arts, err := a.artifacts(ctx, best.Repo)
	if err != nil {
		return nil, err
	}
	// A multi-platform base is tagged by its index: a tagged index that
	// still lists the digest names it now.
	if tag, err := a.indexTag(ctx, best.Repo, arts, best.Digest); tag != "" || err != nil {
		b.Tag, b.Current = tag, b.Digest
		return b, err
	}
	// Its tag moved away (the store keeps no tag history): the newest
	// image pushed to the base repository is where it moved.
	for _, art := range arts {
		if isImage(art.MediaType, art.ConfigMediaType, art.Subject) {
			b.Current = digest.Digest(art.Digest)
			break
		}
	}
	b.MovedOn = b.Current != "" && b.Current != b.Digest
	return b, nil
}

// maxIndexesRead bounds the indexes of one repository read to learn which
// platform images they list.
const maxIndexesRead = 200

// indexes maps each platform image of repo that one of its indexes lists
// to those indexes, newest push first (arts are repo's pushes).
func (a *analysis) indexes(ctx context.Context, repo string, arts []store.Artifact) (map[string][]store.Artifact, error) {
	if m, ok := a.lists[repo]; ok {
		return m, nil
	}
	out := map[string][]store.Artifact{}
	read := 0
	for _, art := range arts {
		if !isIndex(art.MediaType) {
			continue
		}
		if read++; read > maxIndexesRead {
			break
		}
		m, err := a.st.GetManifest(ctx, repo, art.Digest)
		if errors.Is(err, store.ErrNotFound) {
			continue // deleted since it was listed
		}
		if err != nil {
			return nil, fmt.Errorf("fleet: index %s: %w", art.Digest, err)
		}
		for _, c := range childrenOf(m.Content) {
			out[c] = append(out[c], art)
		}
	}
	a.lists[repo] = out
	return out, nil
}

// indexTag is the tag of the newest tagged index of repo that lists d; ""
// when none does.
func (a *analysis) indexTag(ctx context.Context, repo string, arts []store.Artifact, d string) (string, error) {
	idx, err := a.indexes(ctx, repo, arts)
	if err != nil {
		return "", err
	}
	for _, art := range idx[d] {
		if len(art.Tags) > 0 {
			return pickTag(art.Tags), nil
		}
	}
	return "", nil
}

// layers are img's layer blob digests, bottom first: from its manifest in
// the private registry, else from its stored SBOM. nil when neither says.
func (a *analysis) layers(ctx context.Context, img *Image, f *facts) ([]string, error) {
	if f.path != "" {
		m, err := a.st.GetManifest(ctx, f.path, img.Digest.String())
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return nil, fmt.Errorf("fleet: manifest of %s: %w", img.Digest, err)
		default:
			if l := layersOf(m.Content); len(l) > 0 {
				return l, nil
			}
		}
	}
	// An index, or an image from elsewhere: the layers its SBOM records.
	// Only the layers are read: this runs for every such image at every
	// audit.
	layers, err := verdict.New(a.st).SBOMLayers(ctx, img.Digest.String())
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("fleet: SBOM of %s: %w", img.Digest, err)
	}
	out := make([]string, 0, len(layers))
	for _, l := range layers {
		if l.Digest == "" {
			return nil, nil // an SBOM read from a file may not know them
		}
		out = append(out, l.Digest)
	}
	return out, nil
}

// registryRepo names a repository of the private registry as workloads
// pull it: by the host img is pulled by, else the first configured host.
func (a *analysis) registryRepo(f *facts, path string) string {
	host := f.host
	if host == "" && len(a.cfg.Registries) > 0 {
		host = a.cfg.Registries[0]
	}
	if host == "" {
		return path
	}
	return host + "/" + path
}

// pickTag chooses the tag to name a digest by: the first in byte order
// other than "latest", which says least.
func pickTag(tags []string) string {
	tags = slices.Sorted(slices.Values(tags))
	for _, t := range tags {
		if t != "latest" {
			return t
		}
	}
	return tags[0]
}
