package fleet

import (
	"context"
	"reflect"
	"testing"

	"github.com/drydock/drydock/store/storetest"
)

// TestOriginElsewhere: an image pulled by another registry's name is of
// unknown origin even when the private registry holds the same digest;
// its provenance attached there still counts, and its verdict is the
// default policy's (none here).
func TestOriginElsewhere(t *testing.T) {
	w := newWorld(t, storetest.SQLite(t))
	web := Workload{Kind: "Deployment", Namespace: "prod", Name: "web"}
	rep := &Report{Images: []*Image{
		{Digest: w.app1, Refs: []string{"docker.io/acme/app:1"}, Repository: "docker.io/acme/app", Workloads: []Workload{web}},
		{Digest: w.app2, Refs: []string{"docker.io/acme/app:2"}, Repository: "docker.io/acme/app", Workloads: []Workload{web}},
	}}
	if err := analyze(context.Background(), w.config(), rep); err != nil {
		t.Fatal(err)
	}
	var got [][]string
	for _, u := range rep.UnknownOrigin {
		got = append(got, u.Reasons)
	}
	want := [][]string{{ReasonNotPrivate, ReasonNoVerdict}, {ReasonNotPrivate, ReasonNoVerdict, ReasonNoProvenance}}
	if w.app2 < w.app1 {
		want[0], want[1] = want[1], want[0]
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("reasons = %q, want %q (app1's provenance is in team/app; app2 has none)", got, want)
	}
	for _, img := range rep.Images {
		if img.Private || img.Verdict != "" || img.Staleness.NewerPassing != "" {
			t.Errorf("%s: Private %t Verdict %q NewerPassing %q, want false, none, none", img.Digest, img.Private, img.Verdict, img.Staleness.NewerPassing)
		}
	}
}
