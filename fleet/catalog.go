package fleet

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/enforce"
	"github.com/drydock/drydock/image"
	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/match"
	"github.com/drydock/drydock/registry"
	"github.com/drydock/drydock/scan"
	"github.com/drydock/drydock/store"
)

// entry is what an audit knows about one running digest.
type entry struct {
	img *Image
	// sbom is the digest the SBOM and findings are stored under: the
	// image's own, or its platform image's when it runs an index.
	sbom digest.Digest
	// inv is the stored SBOM, decoded only when needed.
	inv      *inventory.Inventory
	findings []match.Finding
	// since is when the findings were last brought up to date (the
	// database build they match); full asks for every package to be
	// matched (no findings stored).
	since time.Time
	full  bool
	// stored is true when findings are stored under sbom; indexed when
	// the store's package index holds sbom; changed when the findings
	// differ from those stored.
	stored, indexed, changed bool
	// body is the encoded findings waiting to be stored.
	body  []byte
	facts store.FleetImage
	// cataloged is true when this audit read the image for the first time.
	cataloged bool
	err       error
}

// catalogWorkers bounds the images read at once: each holds a layer's
// worth of memory and a connection to a registry.
const catalogWorkers = 4

// catalogAll finds each entry's stored SBOM, and catalogs once through the
// scanner the digests that have none. An image that cannot be read keeps
// the error in e.err and the audit goes on.
func (a *Auditor) catalogAll(ctx context.Context, entries []*entry, known map[string]store.FleetImage) error {
	var todo []*entry
	for _, e := range entries {
		if k, ok := known[string(e.img.Digest)]; ok {
			e.sbom, e.facts = digest.Digest(k.SBOM), k
			continue
		}
		if err := e.img.Digest.Validate(); err != nil {
			e.err = fmt.Errorf("not a manifest digest: %w", err)
			continue
		}
		sbom, err := a.storedSBOM(ctx, e.img)
		if err != nil {
			return err
		}
		if sbom != "" {
			e.sbom = sbom
			continue
		}
		todo = append(todo, e)
	}
	next := make(chan *entry)
	var wg sync.WaitGroup
	for range min(catalogWorkers, len(todo)) {
		wg.Go(func() {
			for e := range next {
				e.err = a.catalog(ctx, e)
				if e.err != nil {
					a.cfg.Logger.Warn("fleet: cannot catalog a running image; trying again at the next audit",
						"digest", e.img.Digest, "refs", e.img.Refs, "err", e.err)
				}
			}
		})
	}
	for _, e := range todo {
		next <- e
	}
	close(next)
	wg.Wait()
	return ctx.Err()
}

// storedSBOM is the digest an SBOM is stored under for img: its own, or,
// for an index in the registry's store, its platform image's (the scan on
// push judges an index's platform images one by one). "" when none is.
func (a *Auditor) storedSBOM(ctx context.Context, img *Image) (digest.Digest, error) {
	st := a.cfg.Store
	if ok, err := st.HasSBOM(ctx, img.Digest.String()); err != nil {
		return "", err
	} else if ok {
		return img.Digest, nil
	}
	for _, repo := range a.storeRepos(ctx, img) {
		idx, err := registry.StoredIndex(ctx, st, repo, img.Digest.String())
		if err != nil {
			continue // not an index, or not in this repository
		}
		for _, d := range platformOrder(idx) {
			if ok, err := st.HasSBOM(ctx, d.String()); err != nil {
				return "", err
			} else if ok {
				return digest.Digest(d.String()), nil
			}
		}
	}
	return "", nil
}

// storeRepos lists the repositories of the registry's store holding img:
// the one its private references name first, then any other.
func (a *Auditor) storeRepos(ctx context.Context, img *Image) []string {
	var out []string
	for _, ref := range img.Refs {
		repo := repositoryOf(ref)
		if a.private(repo) && !slices.Contains(out, pathOf(repo)) {
			out = append(out, pathOf(repo))
		}
	}
	others, err := a.cfg.Store.RepositoriesWithManifest(ctx, img.Digest.String())
	if err != nil {
		return out
	}
	for _, r := range others {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// private reports whether repo is pulled from the private registry.
func (a *Auditor) private(repo string) bool {
	h := hostOf(repo)
	return h != "" && slices.Contains(a.cfg.Registries, h)
}

// platformOrder lists an index's runnable images, linux/amd64 first.
func platformOrder(idx *v1.IndexManifest) []v1.Hash {
	var first, rest []v1.Hash
	for _, m := range idx.Manifests {
		if m.MediaType != types.OCIManifestSchema1 && m.MediaType != types.DockerManifestSchema2 {
			continue
		}
		if m.Annotations["vnd.docker.reference.type"] != "" || (m.Platform != nil && m.Platform.OS == "unknown") {
			continue // an attestation manifest beside the platforms
		}
		if m.Platform == nil || (m.Platform.OS == "linux" && m.Platform.Architecture == "amd64") {
			first = append(first, m.Digest)
		} else {
			rest = append(rest, m.Digest)
		}
	}
	return append(first, rest...)
}

// catalog reads e's image once, through the scanner: straight from the
// registry's store when the image is the private registry's and the blobs
// are at hand, else pulled by repository@digest. It stores the SBOM under
// the running digest, with its findings, and indexes both for later
// rematches.
func (a *Auditor) catalog(ctx context.Context, e *entry) error {
	res, err := a.scan(ctx, e.img)
	if err != nil {
		return err
	}
	inv := res.Inventory
	inv.Digest = e.img.Digest.String()
	if err := a.vs.PutSBOM(ctx, inv.Digest, inv); err != nil {
		return err
	}
	if err := a.putFindings(ctx, e.img.Digest, res.Findings, res.Database.Built); err != nil {
		return err
	}
	if err := enforce.IndexSBOM(ctx, a.cfg.Store, e.img.Digest, inv, res.Findings); err != nil {
		return err
	}
	e.sbom, e.inv, e.findings, e.stored, e.indexed, e.cataloged = e.img.Digest, inv, res.Findings, true, true, true
	e.facts = store.FleetImage{Digest: inv.Digest, SBOM: inv.Digest, Packages: len(inv.Packages)}
	if inv.Created != nil {
		e.facts.Created = *inv.Created
	}
	e.since, e.full = res.Database.Built, res.Database.Built.IsZero()
	return nil
}

func (a *Auditor) scan(ctx context.Context, img *Image) (*scan.Result, error) {
	if a.cfg.Blobs != nil {
		for _, ref := range img.Refs {
			repo := repositoryOf(ref)
			if !a.private(repo) {
				continue
			}
			raw, err := registry.StoredImage(ctx, a.cfg.Store, a.cfg.Blobs, pathOf(repo), img.Digest.String())
			if err != nil {
				break // not stored as an image here (an index, or gone): pull it
			}
			im, err := image.FromV1(raw, "drydock-store:"+pathOf(repo)+"@"+img.Digest.String())
			if err != nil {
				return nil, err
			}
			return a.cfg.Scanner.ScanImage(ctx, im, scan.WithName(repo), scan.WithPolicy(a.cfg.Policy))
		}
	}
	var errs []error
	var tried []string
	for _, ref := range img.Refs {
		repo := repositoryOf(ref)
		if slices.Contains(tried, repo) {
			continue
		}
		tried = append(tried, repo)
		res, err := a.cfg.Scanner.Scan(ctx, repo+"@"+img.Digest.String(), scan.WithImageOptions(a.cfg.ImageOptions...),
			scan.WithName(repo), scan.WithPolicy(a.cfg.Policy))
		if err == nil {
			return res, nil
		}
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		return nil, errors.New("no image reference to pull it by")
	}
	return nil, errors.Join(errs...)
}

// putFindings stores the findings of the SBOM stored under d, as matched
// against the database built at built.
func (a *Auditor) putFindings(ctx context.Context, d digest.Digest, fs []match.Finding, built time.Time) error {
	body, err := enforce.EncodeFindings(fs)
	if err != nil {
		return err
	}
	return a.cfg.Store.PutFindings(ctx, store.StoredFindings{Digest: d.String(), Findings: body, DBBuilt: built, Updated: a.cfg.Now().UTC()})
}
