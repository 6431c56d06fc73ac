package fleet_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/enforce"
	"github.com/drydock/drydock/fleet"
	"github.com/drydock/drydock/image/imagetest"
	"github.com/drydock/drydock/match"
	"github.com/drydock/drydock/scan"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/store/storetest"
	"github.com/drydock/drydock/vulndb/vulndbtest"
)

func TestAuditNewSinceDatabaseUpdate(t *testing.T) {
	storetest.Run(t, testAuditNewSinceUpdate)
}

// testAuditNewSinceUpdate runs four audits over four running digests: web
// (in the private registry, scanned on push), tools (in the private
// registry, never scanned), ext (in an outside registry) and ghost (a
// digest the outside registry does not have). Between the second and the
// third, a database update adds util-linux's CVE-2024-28085, which only
// tools holds.
func testAuditNewSinceUpdate(t *testing.T, st *store.Store) {
	ctx := context.Background()
	e := newEnv(t, st, "DEBIAN-CVE-2024-28085")
	web := push(t, e.private.host, "prod/web:1", debian(t, "web", imagetest.DpkgStanza("libc6", "glibc", "2.36-9+deb12u1")))
	e.scanOnPush(t, "prod/web", web)
	tools := push(t, e.private.host, "ops/tools:1", debian(t, "tools", imagetest.DpkgStanza("util-linux", "", "2.38.1-5"),
		imagetest.DpkgStanza("tzdata", "", "2024a-0+deb12u1")))
	ext := push(t, e.outside.host, "library/ext:1", debian(t, "ext", imagetest.DpkgStanza("curl", "", "7.88.1-10")))
	ghost := digest.FromString("never pushed")
	privateBefore := e.private.n.Load()

	running := []fleet.Running{
		deploy("Deployment", "prod", "web", e.private.host+"/prod/web:1", web),
		deploy("Deployment", "prod", "web", e.private.host+"/prod/web:1", web), // a second pod
		deploy("Deployment", "prod", "web-canary", e.private.host+"/prod/web@"+web.String(), web),
		deploy("CronJob", "ops", "tools", e.private.host+"/ops/tools:1", tools),
		deploy("Deployment", "prod", "ext", e.outside.host+"/library/ext:1", ext),
		deploy("Deployment", "prod", "ghost", e.outside.host+"/library/ghost:1", ghost),
	}
	src := &listed{name: "inventory test", rs: running}

	// The first audit: web's SBOM is the registry's, tools is read from the
	// registry's store, ext is pulled, ghost cannot be read.
	rep1, err := e.auditor.Run(ctx, src)
	if err != nil {
		t.Fatalf("first audit: %v", err)
	}
	img := images(rep1)
	if len(rep1.Images) != 4 || rep1.Previous != nil || rep1.ID == 0 {
		t.Fatalf("first audit: %d images, previous %v, ID %d; want 4, nil, an ID", len(rep1.Images), rep1.Previous, rep1.ID)
	}
	if w := img[web]; len(w.Refs) != 2 || len(w.Workloads) != 2 || w.Workloads[0].Name != "web" || w.Workloads[1].Name != "web-canary" ||
		w.Repository != e.private.host+"/prod/web" {
		t.Errorf("web = refs %v, workloads %v, repository %s; want 2 refs and 2 workloads, each once, sorted", w.Refs, w.Workloads, w.Repository)
	}
	if g := img[ghost]; g.Error == "" || len(g.Findings) != 0 {
		t.Errorf("ghost = %+v; want an error and no findings", g)
	}
	for _, d := range []digest.Digest{web, tools, ext} {
		if img[d].Error != "" || img[d].Packages == 0 || img[d].Created == nil {
			t.Errorf("%s: error %q, %d packages, created %v; want it cataloged with its creation time", img[d].Repository, img[d].Error, img[d].Packages, img[d].Created)
		}
	}
	if !hasFinding(img[web], "CVE-2023-4911", "high") || !hasFinding(img[ext], "CVE-2023-46218", "") || len(img[tools].Findings) != 0 {
		t.Errorf("findings: web %v, ext %v, tools %v; want glibc's high CVE-2023-4911 in web, curl's CVE in ext, none in tools",
			img[web].Findings, img[ext].Findings, img[tools].Findings)
	}
	if img[web].Fixable != len(img[web].Findings) || img[web].Counts.High == 0 {
		t.Errorf("web: fixable %d of %d, counts %+v; want every finding fixable and a high", img[web].Fixable, len(img[web].Findings), img[web].Counts)
	}
	if r := rep1.Rematch; r.Images != 4 || r.Cataloged != 2 || r.Reevaluated != 1 || r.NotReevaluated != 0 || !r.Since.IsZero() {
		t.Errorf("first rematch counts = %+v; want tools and ext cataloged, web matched from its stored SBOM", r)
	}
	if n := e.private.n.Load() - privateBefore; n != 0 {
		t.Errorf("the private registry answered %d requests; its images are read from its store", n)
	}
	if e.outside.n.Load() == 0 {
		t.Fatal("ext was not pulled from the outside registry")
	}
	// At the first audit everything present is new.
	if got, want := newIDs(rep1), allIDs(rep1); !slices.Equal(got, want) {
		t.Errorf("first audit new = %v; want every finding's ID %v", got, want)
	}
	if rep1.Counts.Total() != img[web].Counts.Total()+img[ext].Counts.Total() || len(rep1.History) != 1 {
		t.Errorf("counts %+v, history %+v; want the images' sum and one point", rep1.Counts, rep1.History)
	}

	// The second audit, nothing changed: nothing new, nothing matched
	// again, ext not pulled again, ghost tried again.
	ghostTries := e.outside.n.Load()
	rep2, err := e.auditor.Run(ctx, src)
	if err != nil {
		t.Fatalf("second audit: %v", err)
	}
	if len(rep2.New) != 0 || len(rep2.Resolved) != 0 || rep2.Previous == nil || !rep2.Previous.Equal(rep1.Started) {
		t.Errorf("second audit: new %v, resolved %v, previous %v; want nothing new since %v", newIDs(rep2), rep2.Resolved, rep2.Previous, rep1.Started)
	}
	if r := rep2.Rematch; r.Cataloged != 0 || r.Reevaluated != 0 || r.NotReevaluated != 3 || r.ChangedRecords != 0 {
		t.Errorf("second rematch counts = %+v; want 3 kept as they were", r)
	}
	if images(rep2)[ghost].Error == "" || e.outside.n.Load() == ghostTries {
		t.Error("ghost was not tried again at the second audit")
	}
	extOnly := e.outside.n.Load()

	// The update brings CVE-2024-28085 (util-linux): only tools holds it.
	e.update(t)
	rep3, err := e.auditor.Run(ctx, src)
	if err != nil {
		t.Fatalf("audit after the update: %v", err)
	}
	if len(rep3.New) != 1 {
		t.Fatalf("new after the update = %v; want exactly CVE-2024-28085", newIDs(rep3))
	}
	n := rep3.New[0]
	if n.ID != "CVE-2024-28085" || !slices.Equal(n.Images, []digest.Digest{tools}) || len(n.Workloads) != 1 ||
		n.Workloads[0] != (fleet.Workload{Kind: "CronJob", Namespace: "ops", Name: "tools"}) ||
		!slices.Equal(n.Packages, []string{"util-linux 2.38.1-5"}) || !n.FixAvailable {
		t.Errorf("new = %+v; want CVE-2024-28085 in tools' util-linux 2.38.1-5, run by CronJob ops/tools, fixed", n)
	}
	if r := rep3.Rematch; r.Reevaluated != 1 || r.NotReevaluated != 2 || r.Cataloged != 0 || r.ChangedRecords != 1 || r.ChangedNames != 1 ||
		!r.Since.Equal(rep1.DatabaseBuilt) {
		t.Errorf("rematch after the update = %+v; want 1 record, 1 re-evaluated, 2 kept, since %v", r, rep1.DatabaseBuilt)
	}
	if !hasFinding(images(rep3)[tools], "CVE-2024-28085", "") || len(rep3.History) != 3 || rep3.History[2].New != 1 {
		t.Errorf("tools findings %v, history %+v; want the new finding and three points", images(rep3)[tools].Findings, rep3.History)
	}
	if got, ghostOnly := e.outside.n.Load()-extOnly, extOnly-ghostTries; got != ghostOnly {
		t.Errorf("the outside registry answered %d requests in the third audit; want only ghost's %d (ext is never pulled again)", got, ghostOnly)
	}
	last, err := e.auditor.Last(ctx)
	if err != nil || last == nil || last.ID != rep3.ID || len(last.New) != 1 || last.New[0].ID != "CVE-2024-28085" {
		t.Fatalf("Last = %+v, %v; want the third report", last, err)
	}

	// ext stops running: what only it had is resolved.
	rep4, err := e.auditor.Run(ctx, &listed{name: "inventory test", rs: slices.DeleteFunc(slices.Clone(running),
		func(r fleet.Running) bool { return r.Digest == ext })})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep4.New) != 0 || !slices.Contains(rep4.Resolved, "CVE-2023-46218") || slices.Contains(rep4.Resolved, "CVE-2023-4911") {
		t.Errorf("after ext left: new %v, resolved %v; want curl's CVE resolved and glibc's not", newIDs(rep4), rep4.Resolved)
	}
}

func images(rep *fleet.Report) map[digest.Digest]*fleet.Image {
	m := map[digest.Digest]*fleet.Image{}
	for _, img := range rep.Images {
		m[img.Digest] = img
	}
	return m
}

func hasFinding(img *fleet.Image, id, sev string) bool {
	return img != nil && slices.ContainsFunc(img.Findings, func(f fleet.Finding) bool {
		return (f.ID == id || slices.Contains(f.Aliases, id)) && (sev == "" || f.Severity == sev)
	})
}

func newIDs(rep *fleet.Report) []string {
	var out []string
	for _, n := range rep.New {
		out = append(out, n.ID)
	}
	slices.Sort(out)
	return out
}

func allIDs(rep *fleet.Report) []string {
	var out []string
	for _, img := range rep.Images {
		for _, f := range img.Findings {
			if !slices.Contains(out, f.ID) {
				out = append(out, f.ID)
			}
		}
	}
	slices.Sort(out)
	return out
}

func TestFailOn(t *testing.T) {
	rep := &fleet.Report{Counts: fleet.Counts{High: 2, Medium: 3, Unknown: 1}}
	for _, tc := range []struct {
		sev  match.Severity
		want int // findings at or above sev; 0: nil
	}{
		{match.SeverityCritical, 0},
		{match.SeverityHigh, 2},
		{match.SeverityMedium, 5},
		{match.SeverityLow, 5},
		{match.SeverityUnknown, 6},
	} {
		err := rep.FailOn(tc.sev)
		var fe *fleet.FailOnError
		switch {
		case tc.want == 0 && err != nil:
			t.Errorf("FailOn(%s) = %v; want nil", tc.sev, err)
		case tc.want > 0 && (!errors.As(err, &fe) || fe.Counts.Total() != tc.want):
			t.Errorf("FailOn(%s) = %v; want a *FailOnError counting %d", tc.sev, err, tc.want)
		}
	}
	err := rep.FailOn(match.SeverityMedium)
	if want := "fleet: 5 findings at or above medium in running images (2 high, 3 medium)"; err == nil || err.Error() != want {
		t.Errorf("FailOn(medium) says %q; want %q", err, want)
	}
}

func TestConfigErrorsAreTheCallers(t *testing.T) {
	st := storetest.SQLite(t)
	db := vulndbtest.FixtureDB(t)
	sc, err := scan.New(db)
	if err != nil {
		t.Fatal(err)
	}
	dbf := func() enforce.Database { return db }
	for name, cfg := range map[string]fleet.Config{
		"no store":          {Scanner: sc, Database: dbf},
		"no scanner":        {Store: st, Database: dbf},
		"no database":       {Store: st, Scanner: sc},
		"registry and path": {Store: st, Scanner: sc, Database: dbf, Registries: []string{"reg.example.com/team"}},
		"empty registry":    {Store: st, Scanner: sc, Database: dbf, Registries: []string{"https://"}},
	} {
		_, err := fleet.New(cfg)
		var ii interface{ InvalidInput() bool }
		if !errors.As(err, &ii) || !ii.InvalidInput() {
			t.Errorf("%s: New = %v; want an InvalidInput error", name, err)
		}
	}
	a, err := fleet.New(fleet.Config{Store: st, Scanner: sc, Database: dbf, Registries: []string{"https://reg.example.com:5000/"}})
	if err != nil {
		t.Fatalf("New with a registry URL: %v", err)
	}
	_, err = a.Run(context.Background())
	var ii interface{ InvalidInput() bool }
	if !errors.As(err, &ii) || !ii.InvalidInput() {
		t.Errorf("Run without sources = %v; want an InvalidInput error", err)
	}
	if rep, err := a.Last(context.Background()); rep != nil || err != nil {
		t.Errorf("Last before any audit = %v, %v; want nil, nil", rep, err)
	}
}
