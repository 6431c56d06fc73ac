package fleet

import (
	"cmp"
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/store/storetest"
)

// TestAnalyze runs analyze over the world's registry on SQLite and
// PostgreSQL and checks every field it fills.
func TestAnalyze(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st)
		rep := w.report()
		if err := analyze(context.Background(), w.config(), rep); err != nil {
			t.Fatal(err)
		}
		t.Run("Verdict", func(t *testing.T) { checkVerdicts(t, w, rep) })
		t.Run("Stale", func(t *testing.T) { checkStale(t, w, rep) })
		t.Run("Origin", func(t *testing.T) { checkOrigin(t, w, rep) })
		t.Run("Sprawl", func(t *testing.T) { checkSprawl(t, w, rep) })
		t.Run("Plan", func(t *testing.T) { checkPlan(t, w, rep) })

		// A second run over the same store says the same: reports are stable.
		again := w.report()
		if err := analyze(context.Background(), w.config(), again); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(again, rep) {
			t.Errorf("a second analyze differs:\n%+v\nwant\n%+v", again, rep)
		}
	})
}

func checkVerdicts(t *testing.T, w *world, rep *Report) {
	for i, want := range []struct {
		private bool
		verdict string
	}{{true, "fail"}, {true, "pass"}, {false, ""}} {
		img := rep.Images[i]
		if img.Private != want.private || img.Verdict != want.verdict {
			t.Errorf("%s: Private %t, Verdict %q; want %t, %q", img.Repository, img.Private, img.Verdict, want.private, want.verdict)
		}
	}
}

func checkStale(t *testing.T, w *world, rep *Report) {
	app1, app4, nginx := rep.Images[0].Staleness, rep.Images[1].Staleness, rep.Images[2].Staleness
	if app1 == nil || app4 == nil || nginx == nil {
		t.Fatalf("Staleness = %v %v %v, want one per image", app1, app4, nginx)
	}
	age := days(w.now.Sub(w.created))
	if age < 300 {
		t.Fatalf("the world's images are %d days old; the test expects 2026-01-02 images audited after November 2026", age)
	}
	if app1.AgeDays != age || app1.MaxAgeDays != 90 || !app1.OverMaxAge {
		t.Errorf("app1 age %d (max %d, over %t), want %d (max 90, over)", app1.AgeDays, app1.MaxAgeDays, app1.OverMaxAge, age)
	}
	if nginx.AgeDays != -1 || nginx.OverMaxAge || nginx.MaxAgeDays != 90 {
		t.Errorf("nginx (no creation time) age %d over %t max %d, want -1, false, 90", nginx.AgeDays, nginx.OverMaxAge, nginx.MaxAgeDays)
	}
	// app4 is the newest passing build; app3 after app2 failed; app2 is the
	// first passing build after app1, pushed ten days before the audit.
	if app1.NewerPassing != w.app4 || app1.NewerPassingAt == nil || !app1.NewerPassingAt.Equal(storedPush(t, w, "team/app", w.app4)) {
		t.Errorf("app1 NewerPassing %s at %v, want app4 %s at its push", app1.NewerPassing, app1.NewerPassingAt, w.app4)
	}
	if app1.DaysBehind != 10 {
		t.Errorf("app1 DaysBehind = %d, want 10 (app2 was pushed ten days before the audit)", app1.DaysBehind)
	}
	if app4.NewerPassing != "" || app4.NewerPassingAt != nil || app4.DaysBehind != 0 {
		t.Errorf("app4 NewerPassing %q at %v behind %d, want none: nothing passing was pushed after it", app4.NewerPassing, app4.NewerPassingAt, app4.DaysBehind)
	}
	fixable := 0
	for _, f := range w.findings1 {
		if len(f.Fixed) > 0 {
			fixable++
		}
	}
	if fixable < 2 || app1.Fixable != fixable || app4.Fixable != 0 {
		t.Errorf("Fixable app1 %d app4 %d, want %d (at least curl and glibc) and 0", app1.Fixable, app4.Fixable, fixable)
	}
	// app1 is built on base1, which lib/debian:12 named before base2 was
	// pushed under it: moved on. app4 is built on base2, still tagged 12.
	want1 := &Base{Repository: w.host + "/lib/debian", Digest: w.base1, Current: w.base2, MovedOn: true}
	if !reflect.DeepEqual(app1.Base, want1) {
		t.Errorf("app1 Base = %+v, want %+v", app1.Base, want1)
	}
	want4 := &Base{Repository: w.host + "/lib/debian", Digest: w.base2, Tag: "12", Current: w.base2}
	if !reflect.DeepEqual(app4.Base, want4) {
		t.Errorf("app4 Base = %+v, want %+v", app4.Base, want4)
	}
	if nginx.Base != nil || nginx.NewerPassing != "" {
		t.Errorf("nginx (unknown to the registry) Base %+v NewerPassing %q, want none", nginx.Base, nginx.NewerPassing)
	}
}

func checkOrigin(t *testing.T, w *world, rep *Report) {
	want := []UnknownOrigin{
		{Digest: w.app4, Refs: []string{w.host + "/team/app:4"}, Workloads: []Workload{{Kind: "Deployment", Namespace: "prod", Name: "api"}},
			Reasons: []string{ReasonNoProvenance}},
		{Digest: w.nginx, Refs: []string{"docker.io/library/nginx:1.27"}, Workloads: []Workload{{Kind: "Deployment", Namespace: "prod", Name: "proxy"}},
			Reasons: []string{ReasonNotPrivate, ReasonNoVerdict, ReasonNoProvenance}},
	}
	slices.SortFunc(want, func(x, y UnknownOrigin) int { return compareDigest(x.Digest, y.Digest) })
	if !reflect.DeepEqual(rep.UnknownOrigin, want) {
		t.Errorf("UnknownOrigin =\n%+v\nwant (app1 has a verdict and a provenance; app4 is signed but has no provenance)\n%+v", rep.UnknownOrigin, want)
	}
}

func checkSprawl(t *testing.T, w *world, rep *Report) {
	web := Workload{Kind: "Deployment", Namespace: "prod", Name: "web"}
	batch := Workload{Kind: "Deployment", Name: "batch"}
	api := Workload{Kind: "Deployment", Namespace: "prod", Name: "api"}
	want := Sprawl{Images: 3, Repositories: 2, BaseImages: 2, Share: []ShareGroup{
		{Kind: ShareRepository, Repository: w.host + "/team/app", Digests: sortedDigests(w.app1, w.app4), Workloads: []Workload{batch, api, web}},
		{Kind: ShareBase, Repository: w.host + "/lib/debian", Digests: sortedDigests(w.base1, w.base2), Workloads: []Workload{batch, api, web}},
	}}
	if !reflect.DeepEqual(rep.Sprawl, want) {
		t.Errorf("Sprawl =\n%+v\nwant\n%+v", rep.Sprawl, want)
	}
}

func checkPlan(t *testing.T, w *world, rep *Report) {
	// app4 is newer but keeps curl's findings; app2 fixes curl (DSA-5587-1)
	// and keeps glibc's CVE-2023-4911: the target is app2 and it removes
	// exactly curl's three CVEs.
	curlIDs := []string{"CVE-2023-28322", "CVE-2023-46218", "CVE-2023-46219"}
	ref := w.host + "/team/app@" + w.app2.String()
	want := []PlanStep{
		{Workload: Workload{Kind: "Deployment", Name: "batch"}, Container: "main", Current: w.app1, Target: w.app2, TargetRef: ref,
			Removes: curlIDs, Command: "kubectl set image deployment/batch main=" + ref},
		{Workload: Workload{Kind: "Deployment", Namespace: "prod", Name: "web"}, Container: "web", Current: w.app1, Target: w.app2, TargetRef: ref,
			Removes: curlIDs, Command: "kubectl -n prod set image deployment/web web=" + ref},
	}
	if !reflect.DeepEqual(rep.Plan, want) {
		t.Errorf("Plan =\n%+v\nwant\n%+v", rep.Plan, want)
	}
}

func storedPush(t *testing.T, w *world, repo string, d digest.Digest) time.Time {
	t.Helper()
	a, err := w.st.GetArtifact(context.Background(), repo, d.String())
	if err != nil {
		t.Fatal(err)
	}
	return a.PushedAt
}

func sortedDigests(ds ...digest.Digest) []digest.Digest {
	slices.Sort(ds)
	return ds
}

func compareDigest(x, y digest.Digest) int {
	return cmp.Compare(x, y)
}

// TestAnalyzeWithoutStore: with no store (nothing to ask), analyze still
// says which images are private and how old they are, lists every image
// as of unknown origin, and plans nothing; a canceled context stops it.
func TestAnalyzeWithoutStore(t *testing.T) {
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := created.Add(100 * 24 * time.Hour)
	rep := &Report{Images: []*Image{{Digest: digest.FromString("a"), Refs: []string{"Reg.Example:5000/team/app:1"},
		Repository: "Reg.Example:5000/team/app", Created: &created}}}
	cfg := Config{Registries: []string{"reg.example:5000"}, Now: func() time.Time { return now }}
	if err := analyze(context.Background(), cfg, rep); err != nil {
		t.Fatal(err)
	}
	img := rep.Images[0]
	if !img.Private || img.Staleness == nil || img.Staleness.AgeDays != 100 {
		t.Errorf("Private %t Staleness %+v, want private (host names are case-insensitive), 100 days old", img.Private, img.Staleness)
	}
	if len(rep.UnknownOrigin) != 1 || !reflect.DeepEqual(rep.UnknownOrigin[0].Reasons, []string{ReasonNoVerdict, ReasonNoProvenance}) {
		t.Errorf("UnknownOrigin = %+v, want the image, with no verdict and no provenance", rep.UnknownOrigin)
	}
	if rep.Plan == nil || len(rep.Plan) != 0 {
		t.Errorf("Plan = %#v, want empty", rep.Plan)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := analyze(ctx, cfg, rep); !errors.Is(err, context.Canceled) {
		t.Errorf("analyze with a canceled context = %v, want context.Canceled", err)
	}
}
