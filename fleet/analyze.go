package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/enforce"
	"github.com/drydock/drydock/policy"
	"github.com/drydock/drydock/store"
)

// maxArtifacts bounds how many of a repository's newest pushes an audit
// reads to find newer passing builds and where a base image stands.
const maxArtifacts = 2000

// analyze fills what needs the private registry's store: each image's
// Private, Verdict and Staleness, and the report's UnknownOrigin, Sprawl
// and Plan. Run calls it once the images and their findings are known.
// Missing facts (no verdict, no SBOM, a digest the registry no longer
// holds) leave fields empty; only a store that cannot answer is an error.
func analyze(ctx context.Context, cfg Config, rep *Report) error {
	a := newAnalysis(cfg)
	for _, img := range rep.Images {
		if err := ctx.Err(); err != nil {
			return err
		}
		f := a.factsOf(img)
		img.Private = f.path != ""
		if a.st == nil {
			img.Staleness = a.age(img, a.pol)
			continue
		}
		var err error
		if img.Verdict, err = a.verdict(ctx, f.ns, img.Digest); err != nil {
			return err
		}
		if img.Staleness, err = a.staleness(ctx, img, f); err != nil {
			return err
		}
	}
	var err error
	if rep.UnknownOrigin, err = a.unknownOrigin(ctx, rep.Images); err != nil {
		return err
	}
	rep.Sprawl = sprawl(rep.Images)
	if rep.Plan, err = a.plan(ctx, rep); err != nil {
		return err
	}
	return nil
}

// analysis is one analyze call's state: what it read from the store, so
// each repository is listed and each verdict read once.
type analysis struct {
	cfg     Config
	st      *store.Store
	pol     *policy.Policy
	now     time.Time
	results *enforce.StoredResults
	facts   map[digest.Digest]*facts
	// arts are repositories' pushes, newest first; verdicts are statuses
	// by namespace and digest ("" when none is stored).
	arts     map[string][]store.Artifact
	verdicts map[[2]string]string
	// lists are, by repository, the indexes listing each platform image.
	lists map[string]map[string][]store.Artifact
	// ids are findingIDs' answers by repository and digest.
	ids map[[2]string]knownIDs
}

// facts are what analyze learns about one running image beyond Image.
type facts struct {
	// path is the repository in the private registry's store ("team/app"),
	// "" when the image is not pulled from it; host is the registry host
	// it is pulled by; ns the namespace whose verdict counts.
	path, host, ns string
	// pushed is when the digest was pushed to path, zero when unknown.
	pushed time.Time
	// newer are the passing images of path pushed after this one, newest
	// first.
	newer []store.Artifact
}

func newAnalysis(cfg Config) *analysis {
	a := &analysis{cfg: cfg, st: cfg.Store, pol: cfg.Policy, now: time.Now(),
		facts: map[digest.Digest]*facts{}, arts: map[string][]store.Artifact{}, verdicts: map[[2]string]string{},
		lists: map[string]map[string][]store.Artifact{}, ids: map[[2]string]knownIDs{}}
	if cfg.Now != nil {
		a.now = cfg.Now()
	}
	if a.pol == nil {
		a.pol = policy.Default()
	}
	if a.st != nil {
		a.results = enforce.NewStoredResults(a.st, cfg.Database)
	}
	return a
}

// factsOf finds where img comes from: the first of its references (sorted)
// that names a private registry host, else its Repository.
func (a *analysis) factsOf(img *Image) *facts {
	if f := a.facts[img.Digest]; f != nil {
		return f
	}
	f := &facts{}
	refs := append(slices.Clone(img.Refs), img.Repository)
	for _, ref := range refs {
		repo := repositoryOf(ref)
		if h := hostOf(repo); h != "" && a.isPrivateHost(h) {
			f.host, f.path = h, pathOf(repo)
			f.ns, _ = auth.NamespaceOf(f.path)
			break
		}
	}
	a.facts[img.Digest] = f
	return f
}

// isPrivateHost reports whether host is one of cfg.Registries; host names
// are case-insensitive.
func (a *analysis) isPrivateHost(host string) bool {
	return slices.ContainsFunc(a.cfg.Registries, func(r string) bool { return strings.EqualFold(r, host) })
}

// verdict is the stored verdict's status on d under namespace ns ("" for
// the default policy), "" when none is stored.
func (a *analysis) verdict(ctx context.Context, ns string, d digest.Digest) (string, error) {
	k := [2]string{ns, d.String()}
	if v, ok := a.verdicts[k]; ok {
		return v, nil
	}
	v, err := a.st.GetVerdict(ctx, ns, d.String())
	status := ""
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return "", fmt.Errorf("fleet: verdict on %s: %w", d, err)
	default:
		status = string(v.Status)
	}
	a.verdicts[k] = status
	return status, nil
}

// artifacts lists repo's newest pushes, newest first (at most
// maxArtifacts); nil for a repository the registry does not hold.
func (a *analysis) artifacts(ctx context.Context, repo string) ([]store.Artifact, error) {
	if arts, ok := a.arts[repo]; ok {
		return arts, nil
	}
	arts, err := a.st.Artifacts(ctx, repo, store.ArtifactCursor{}, maxArtifacts)
	if errors.Is(err, store.ErrNotFound) {
		arts, err = nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("fleet: pushes of %s: %w", repo, err)
	}
	a.arts[repo] = arts
	return arts, nil
}

// isImage reports whether a manifest is an image or an index of images,
// not a signature, attestation or other artifact.
func isImage(mediaType, configMediaType, subject string) bool {
	if subject != "" {
		return false
	}
	if isIndex(mediaType) {
		return true
	}
	switch configMediaType {
	case "application/vnd.oci.image.config.v1+json", "application/vnd.docker.container.image.v1+json":
		return true
	}
	return false
}

func isIndex(mediaType string) bool {
	return mediaType == "application/vnd.oci.image.index.v1+json" || mediaType == "application/vnd.docker.distribution.manifest.list.v2+json"
}

// childrenOf reads the manifest digests an index lists; nil for content
// that is not one.
func childrenOf(content []byte) []string {
	var m struct {
		Manifests []struct {
			Digest string `json:"digest"`
		} `json:"manifests"`
	}
	if json.Unmarshal(content, &m) != nil {
		return nil
	}
	out := make([]string, 0, len(m.Manifests))
	for _, c := range m.Manifests {
		out = append(out, c.Digest)
	}
	return out
}

// layersOf reads the layer digests of an image manifest, bottom first; nil
// for an index or content that is not a manifest.
func layersOf(content []byte) []string {
	var m struct {
		Layers []struct {
			Digest string `json:"digest"`
		} `json:"layers"`
	}
	if json.Unmarshal(content, &m) != nil {
		return nil
	}
	out := make([]string, 0, len(m.Layers))
	for _, l := range m.Layers {
		if l.Digest == "" {
			return nil
		}
		out = append(out, l.Digest)
	}
	return out
}

// days is d in whole days, rounded down.
func days(d time.Duration) int { return int(d / (24 * time.Hour)) }
