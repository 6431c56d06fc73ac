package fleet

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/sign"
	"github.com/drydock/drydock/store"
)

// The reasons an image is of unknown origin.
const (
	ReasonNotPrivate   = "not from the private registry"
	ReasonNoVerdict    = "no drydock verdict"
	ReasonNoProvenance = "no provenance attestation"
)

// unknownOrigin lists the images drydock cannot vouch for, by digest: those
// pulled from elsewhere, those the registry never judged (pass or fail),
// and those without a SLSA provenance attestation attached.
func (a *analysis) unknownOrigin(ctx context.Context, images []*Image) ([]UnknownOrigin, error) {
	out := []UnknownOrigin{}
	for _, img := range images {
		var reasons []string
		if !img.Private {
			reasons = append(reasons, ReasonNotPrivate)
		}
		if img.Verdict != string(store.VerdictPass) && img.Verdict != string(store.VerdictFail) {
			reasons = append(reasons, ReasonNoVerdict)
		}
		ok, err := a.hasProvenance(ctx, img)
		if err != nil {
			return nil, err
		}
		if !ok {
			reasons = append(reasons, ReasonNoProvenance)
		}
		if len(reasons) == 0 {
			continue
		}
		out = append(out, UnknownOrigin{Digest: img.Digest, Refs: sortedCopy(img.Refs),
			Workloads: sortedWorkloads(img.Workloads), Reasons: reasons})
	}
	slices.SortFunc(out, func(x, y UnknownOrigin) int { return cmp.Compare(x.Digest.String(), y.Digest.String()) })
	return out, nil
}

// hasProvenance reports whether a SLSA provenance attestation is attached
// to img as a Sigstore bundle referrer (what `drydock gate` and cosign
// attach), in its repository of the private registry or, for an image
// pulled from elsewhere, in any repository holding the digest. It checks
// that one is attached, not its signature: trust does that at admission,
// against the namespace's keys.
func (a *analysis) hasProvenance(ctx context.Context, img *Image) (bool, error) {
	if a.st == nil {
		return false, nil
	}
	f := a.factsOf(img)
	repos := []string{f.path}
	if f.path == "" {
		var err error
		if repos, err = a.st.RepositoriesWithManifest(ctx, img.Digest.String()); err != nil {
			return false, fmt.Errorf("fleet: repositories holding %s: %w", img.Digest, err)
		}
	}
	for _, repo := range repos {
		ok, err := a.provenanceIn(ctx, repo, img.Digest)
		if ok || err != nil {
			return ok, err
		}
	}
	return false, nil
}

func (a *analysis) provenanceIn(ctx context.Context, repo string, d digest.Digest) (bool, error) {
	refs, err := a.st.Referrers(ctx, repo, d.String(), sign.BundleMediaType)
	if err != nil {
		return false, fmt.Errorf("fleet: referrers of %s: %w", d, err)
	}
	for _, r := range refs {
		if r.Annotations[sign.BundlePredicateAnnotation] == sign.PredicateSLSAProvenance {
			return true, nil
		}
	}
	return false, nil
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// compareWorkloads orders by namespace, kind, then name.
func compareWorkloads(x, y Workload) int {
	if c := cmp.Compare(x.Namespace, y.Namespace); c != 0 {
		return c
	}
	if c := cmp.Compare(x.Kind, y.Kind); c != 0 {
		return c
	}
	return cmp.Compare(x.Name, y.Name)
}

func sortedWorkloads(ws []Workload) []Workload {
	out := slices.Clone(ws)
	slices.SortFunc(out, compareWorkloads)
	return slices.Compact(out)
}
