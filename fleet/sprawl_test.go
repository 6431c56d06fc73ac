package fleet

import (
	"reflect"
	"testing"

	"github.com/opencontainers/go-digest"
)

// TestSprawl: one digest per repository or base is no group; images
// without a repository or a base are counted as images only.
func TestSprawl(t *testing.T) {
	d := func(s string) digest.Digest { return digest.FromString(s) }
	a := Workload{Kind: "Deployment", Namespace: "a", Name: "a"}
	b := Workload{Kind: "Deployment", Namespace: "b", Name: "b"}
	c := Workload{Kind: "DaemonSet", Namespace: "a", Name: "c"}
	base := func(digest string) *Staleness {
		return &Staleness{Base: &Base{Repository: "reg/lib/alpine", Digest: d(digest)}}
	}
	images := []*Image{
		{Digest: d("x1"), Repository: "reg/team/x", Workloads: []Workload{b}, Staleness: base("alpine 3.19")},
		{Digest: d("x2"), Repository: "reg/team/x", Workloads: []Workload{a, c}, Staleness: base("alpine 3.19")},
		{Digest: d("y1"), Repository: "reg/team/y", Workloads: []Workload{c}, Staleness: base("alpine 3.20")},
		{Digest: d("z1"), Repository: "reg/team/z", Workloads: []Workload{a}, Staleness: &Staleness{}},
		{Digest: d("tarball"), Workloads: []Workload{b}},
	}
	got := sprawl(images)
	want := Sprawl{Images: 5, Repositories: 3, BaseImages: 2, Share: []ShareGroup{
		{Kind: ShareRepository, Repository: "reg/team/x", Digests: sortedDigests(d("x1"), d("x2")), Workloads: []Workload{c, a, b}},
		{Kind: ShareBase, Repository: "reg/lib/alpine", Digests: sortedDigests(d("alpine 3.19"), d("alpine 3.20")), Workloads: []Workload{c, a, b}},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("sprawl =\n%+v\nwant\n%+v", got, want)
	}
	if got := sprawl(nil); !reflect.DeepEqual(got, Sprawl{}) {
		t.Errorf("sprawl(nil) = %+v, want zero", got)
	}
}
