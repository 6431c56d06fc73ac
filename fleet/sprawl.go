package fleet

import (
	"cmp"
	"slices"

	"github.com/opencontainers/go-digest"
)

// The kinds of ShareGroup.
const (
	ShareRepository = "repository"
	ShareBase       = "base"
)

// sprawl counts the distinct images, repositories and base images that
// run, and groups the workloads that could converge on one image: those
// running different digests of one repository, and those whose images
// are built on different digests of one base image.
func sprawl(images []*Image) Sprawl {
	s := Sprawl{Images: len(images)}
	byRepo := map[string]*shareSet{}
	byBase := map[string]*shareSet{}
	bases := map[digest.Digest]bool{}
	for _, img := range images {
		if img.Repository != "" {
			byRepo[img.Repository] = byRepo[img.Repository].add(img.Digest, img.Workloads)
		}
		if img.Staleness != nil && img.Staleness.Base != nil {
			b := img.Staleness.Base
			bases[b.Digest] = true
			byBase[b.Repository] = byBase[b.Repository].add(b.Digest, img.Workloads)
		}
	}
	s.Repositories, s.BaseImages = len(byRepo), len(bases)
	s.Share = append(groups(ShareRepository, byRepo), groups(ShareBase, byBase)...)
	return s
}

// shareSet is the digests of one repository seen running, with the
// workloads running them.
type shareSet struct {
	digests   map[digest.Digest]bool
	workloads []Workload
}

func (s *shareSet) add(d digest.Digest, ws []Workload) *shareSet {
	if s == nil {
		s = &shareSet{digests: map[digest.Digest]bool{}}
	}
	s.digests[d] = true
	s.workloads = append(s.workloads, ws...)
	return s
}

// groups are the sets of more than one digest, by repository.
func groups(kind string, sets map[string]*shareSet) []ShareGroup {
	var out []ShareGroup
	for repo, set := range sets {
		if len(set.digests) < 2 {
			continue
		}
		g := ShareGroup{Kind: kind, Repository: repo, Workloads: sortedWorkloads(set.workloads)}
		for d := range set.digests {
			g.Digests = append(g.Digests, d)
		}
		slices.Sort(g.Digests)
		out = append(out, g)
	}
	slices.SortFunc(out, func(x, y ShareGroup) int { return cmp.Compare(x.Repository, y.Repository) })
	return out
}
