package fleet

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/crane"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/image/imagetest"
	"github.com/drydock/drydock/policy"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/store/storetest"
	"github.com/drydock/drydock/verdict"
)

// TestStaleAge: age in whole days from the config's creation time, and
// the policy's maxAge in days, rounded up.
func TestStaleAge(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name    string
		maxAge  string // "" for a policy without one
		created time.Time
		want    Staleness
	}{
		{"no creation time", "90d", time.Time{}, Staleness{AgeDays: -1, MaxAgeDays: 90}},
		{"over", "90d", now.Add(-91 * 24 * time.Hour), Staleness{AgeDays: 91, MaxAgeDays: 90, OverMaxAge: true}},
		{"at the limit", "90d", now.Add(-90 * 24 * time.Hour), Staleness{AgeDays: 90, MaxAgeDays: 90}},
		{"under", "90d", now.Add(-89*24*time.Hour - time.Hour), Staleness{AgeDays: 89, MaxAgeDays: 90}},
		{"hours", "36h", now.Add(-40 * time.Hour), Staleness{AgeDays: 1, MaxAgeDays: 2, OverMaxAge: true}},
		{"no maxAge", "", now.Add(-400 * 24 * time.Hour), Staleness{AgeDays: 400}},
		{"created in the future", "90d", now.Add(48 * time.Hour), Staleness{AgeDays: 0, MaxAgeDays: 90}},
	} {
		t.Run(c.name, func(t *testing.T) {
			body := "apiVersion: drydock/v1\nkind: Policy\n"
			if c.maxAge != "" {
				body += "maxAge: " + c.maxAge + "\n"
			}
			pol, err := policy.Parse([]byte(body), "p.yaml")
			if err != nil {
				t.Fatal(err)
			}
			a := newAnalysis(Config{Policy: pol, Now: func() time.Time { return now }})
			img := &Image{Findings: []Finding{{ID: "CVE-1", Fixed: []string{"2"}}, {ID: "CVE-2"}}}
			if !c.created.IsZero() {
				img.Created = &c.created
			}
			c.want.Fixable = 1
			if got := a.age(img, a.pol); !reflect.DeepEqual(*got, c.want) {
				t.Errorf("age = %+v, want %+v", *got, c.want)
			}
		})
	}
}

// TestStaleBaseFromSBOM: an image pulled from elsewhere, whose stored SBOM
// names its layers, is matched to the base image the private registry
// holds; an SBOM without layer digests (read from a file) names no base.
func TestStaleBaseFromSBOM(t *testing.T) {
	w := newWorld(t, storetest.SQLite(t))
	ctx := context.Background()
	base2, _, err := verdict.New(w.st).SBOM(ctx, w.app4.String()) // app4's layers start with base2's
	if err != nil {
		t.Fatal(err)
	}
	tool, noLayers := digest.FromString("tool"), digest.FromString("no layer digests")
	inv := *base2
	inv.Digest = tool.String()
	if err := verdict.New(w.st).PutSBOM(ctx, tool.String(), &inv); err != nil {
		t.Fatal(err)
	}
	inv.Digest = noLayers.String()
	inv.Layers = append(inv.Layers[:0:0], inv.Layers...)
	for i := range inv.Layers {
		inv.Layers[i].Digest = ""
	}
	if err := verdict.New(w.st).PutSBOM(ctx, noLayers.String(), &inv); err != nil {
		t.Fatal(err)
	}
	rep := &Report{Images: []*Image{
		{Digest: tool, Refs: []string{"ghcr.io/acme/tool:1"}, Repository: "ghcr.io/acme/tool"},
		{Digest: noLayers, Refs: []string{"ghcr.io/acme/other:1"}, Repository: "ghcr.io/acme/other"},
	}}
	if err := analyze(ctx, w.config(), rep); err != nil {
		t.Fatal(err)
	}
	want := &Base{Repository: w.host + "/lib/debian", Digest: w.base2, Tag: "12", Current: w.base2}
	if got := rep.Images[0].Staleness.Base; !reflect.DeepEqual(got, want) {
		t.Errorf("Base of an outside image built on base2 = %+v, want %+v", got, want)
	}
	if got := rep.Images[1].Staleness.Base; got != nil {
		t.Errorf("Base of an image whose SBOM has no layer digests = %+v, want none", got)
	}
	if rep.Images[0].Private || rep.Images[0].Staleness.NewerPassing != "" {
		t.Errorf("outside image: Private %t NewerPassing %q, want false and none", rep.Images[0].Private, rep.Images[0].Staleness.NewerPassing)
	}
}

// TestStaleBaseOnlyProperPrefix: an image is not its own base, even where
// another repository holds the same digest, nor based on an image of its
// own repository or on one with a layer it lacks.
func TestStaleBaseOnlyProperPrefix(t *testing.T) {
	w := newWorld(t, storetest.SQLite(t))
	ctx := context.Background()
	// lib/copy holds base2's digest too; team/app2 holds app2 (base2 + a2).
	for _, c := range []struct{ from, to string }{{"lib/debian@" + w.base2.String(), "lib/copy:12"}, {"team/app@" + w.app2.String(), "team/app2:1"}} {
		if err := crane.Copy(w.host+"/"+c.from, w.host+"/"+c.to, crane.Insecure, crane.WithContext(ctx)); err != nil {
			t.Fatal(err)
		}
	}
	rep := &Report{Images: []*Image{
		// base1: team/app's app1 has a layer base1 lacks.
		{Digest: w.base1, Refs: []string{w.host + "/lib/debian@" + w.base1.String()}, Repository: w.host + "/lib/debian"},
		{Digest: w.base2, Refs: []string{w.host + "/lib/copy:12"}, Repository: w.host + "/lib/copy"},
		// app3 (team/app): app2 has its layers but is in its own repository;
		// team/app2's copy of app2 has as many layers, not fewer.
		{Digest: w.app3, Refs: []string{w.host + "/team/app:3"}, Repository: w.host + "/team/app"},
	}}
	if err := analyze(ctx, w.config(), rep); err != nil {
		t.Fatal(err)
	}
	for _, img := range rep.Images[:2] {
		if img.Staleness.Base != nil {
			t.Errorf("%s: Base = %+v, want none", img.Repository, img.Staleness.Base)
		}
	}
	// app3's base is still base2 in lib/debian, newest push first among
	// equals: lib/copy's copy was pushed later and holds the same digest.
	if b := rep.Images[2].Staleness.Base; b == nil || b.Digest != w.base2 || b.Repository != w.host+"/lib/copy" || b.Tag != "12" {
		t.Errorf("app3: Base = %+v, want base2 as lib/copy:12 (its newest push)", b)
	}
}

// TestStaleBaseIndex: a multi-platform base is tagged by its index; the
// platform image an app is built on has not moved on while the tagged
// index lists it, and has once the tag names an index without it.
func TestStaleBaseIndex(t *testing.T) {
	w := newWorld(t, storetest.SQLite(t))
	ctx := context.Background()
	layer := func(name string) v1.Layer {
		return imagetest.Layer(t, imagetest.File{Name: name, Body: "content of " + name})
	}
	index := func(amd, arm v1.Image) v1.ImageIndex {
		return mutate.AppendManifests(empty.Index,
			mutate.IndexAddendum{Add: amd, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
			mutate.IndexAddendum{Add: arm, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64"}}})
	}
	pushIndex := func(idx v1.ImageIndex) digest.Digest {
		ref, err := name.ParseReference(w.host+"/lib/multi:3", name.Insecure)
		if err != nil {
			t.Fatal(err)
		}
		if err := remote.WriteIndex(ref, idx); err != nil {
			t.Fatal(err)
		}
		h, _ := idx.Digest()
		return digest.Digest(h.String())
	}
	amd1 := imagetest.Layers(t, layer("m1"), layer("m2"))
	pushIndex(index(amd1, imagetest.Layers(t, layer("r1"))))
	app := w.push(t, appendLayer(t, amd1, layer("app")), "team/multi:1")
	h, _ := amd1.Digest()
	amd1d := digest.Digest(h.String())
	report := func() *Report {
		return &Report{Images: []*Image{{Digest: app, Refs: []string{w.host + "/team/multi:1"}, Repository: w.host + "/team/multi"}}}
	}

	rep := report()
	if err := analyze(ctx, w.config(), rep); err != nil {
		t.Fatal(err)
	}
	want := &Base{Repository: w.host + "/lib/multi", Digest: amd1d, Tag: "3", Current: amd1d}
	if got := rep.Images[0].Staleness.Base; !reflect.DeepEqual(got, want) {
		t.Errorf("Base while lib/multi:3 lists it = %+v, want %+v", got, want)
	}

	idx2 := pushIndex(index(imagetest.Layers(t, layer("n1"), layer("n2")), imagetest.Layers(t, layer("s1"))))
	rep = report()
	if err := analyze(ctx, w.config(), rep); err != nil {
		t.Fatal(err)
	}
	want = &Base{Repository: w.host + "/lib/multi", Digest: amd1d, Current: idx2, MovedOn: true}
	if got := rep.Images[0].Staleness.Base; !reflect.DeepEqual(got, want) {
		t.Errorf("Base after lib/multi:3 moved to another index = %+v, want %+v", got, want)
	}
}

// TestStaleNewerIndex: for a platform image of a multi-platform build, the
// newer build is the next passing index: not its own index, not its
// sibling platforms, not the platform images of the newer index.
func TestStaleNewerIndex(t *testing.T) {
	w := newWorld(t, storetest.SQLite(t))
	ctx := context.Background()
	layer := func(name string) v1.Layer {
		return imagetest.Layer(t, imagetest.File{Name: name, Body: "content of " + name})
	}
	build := func(tag, n string) (idx digest.Digest, amd digest.Digest, all []digest.Digest) {
		a, r := imagetest.Layers(t, layer("amd "+n)), imagetest.Layers(t, layer("arm "+n))
		ii := mutate.AppendManifests(empty.Index,
			mutate.IndexAddendum{Add: a, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
			mutate.IndexAddendum{Add: r, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64"}}})
		ref, err := name.ParseReference(w.host+"/team/mp:"+tag, name.Insecure)
		if err != nil {
			t.Fatal(err)
		}
		if err := remote.WriteIndex(ref, ii); err != nil {
			t.Fatal(err)
		}
		for _, x := range []interface{ Digest() (v1.Hash, error) }{ii, a, r} {
			h, _ := x.Digest()
			all = append(all, digest.Digest(h.String()))
		}
		for _, d := range all {
			if _, err := verdict.New(w.st).Put(ctx, &store.Verdict{Namespace: "team", Digest: d.String(), Status: store.VerdictPass}); err != nil {
				t.Fatal(err)
			}
		}
		return all[0], all[1], all
	}
	_, amd1, _ := build("1", "1")
	report := func() *Report {
		return &Report{Images: []*Image{{Digest: amd1, Refs: []string{w.host + "/team/mp@" + amd1.String()}, Repository: w.host + "/team/mp"}}}
	}
	rep := report()
	if err := analyze(ctx, w.config(), rep); err != nil {
		t.Fatal(err)
	}
	if got := rep.Images[0].Staleness.NewerPassing; got != "" {
		t.Errorf("NewerPassing before a second build = %s, want none (its index and arm64 sibling are its own build)", got)
	}
	idx2, _, _ := build("2", "2")
	rep = report()
	if err := analyze(ctx, w.config(), rep); err != nil {
		t.Fatal(err)
	}
	if got := rep.Images[0].Staleness.NewerPassing; got != idx2 {
		t.Errorf("NewerPassing after a second build = %s, want its index %s", got, idx2)
	}
}
