package vulndb_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/drydock/drydock/vulndb"
)

// fixtures reads the OSV records under testdata/osv.
func fixtures(t testing.TB) []*vulndb.Advisory {
	t.Helper()
	var out []*vulndb.Advisory
	err := filepath.WalkDir("testdata/osv", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		a := new(vulndb.Advisory)
		if err := json.Unmarshal(b, a); err != nil {
			return err
		}
		out = append(out, a)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func fixedClock(t time.Time) vulndb.Option { return vulndb.WithClock(func() time.Time { return t }) }

// build writes the fixtures (plus opts) to a new database and opens it.
func build(t testing.TB, advs []*vulndb.Advisory, opts ...vulndb.Option) *vulndb.DB {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "vuln.db")
	if err := vulndb.Build(ctx, path, advs, opts...); err != nil {
		t.Fatalf("Build: %v", err)
	}
	db, err := vulndb.Open(ctx, path, opts...)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func ids(advs []*vulndb.Advisory) []string {
	out := []string{}
	for _, a := range advs {
		out = append(out, a.ID)
	}
	return out
}

func TestAdvisoriesLookup(t *testing.T) {
	db := build(t, fixtures(t))
	ctx := context.Background()
	tests := []struct {
		ecosystem, name string   // as an inventory writes them
		want            []string // record ids found
		wantAffected    string   // the name AffectedFor picks out
	}{
		{"Debian:12", "curl", []string{"DEBIAN-CVE-2023-38545", "DEBIAN-CVE-2023-38546"}, "curl"},
		{"Debian:12.4", "curl", []string{"DEBIAN-CVE-2023-38545", "DEBIAN-CVE-2023-38546"}, "curl"},
		{"Debian:11", "curl", []string{}, ""},
		// No release: every release's records.
		{"Debian", "curl", []string{"DEBIAN-CVE-2023-38545", "DEBIAN-CVE-2023-38546"}, "curl"},
		{"Alpine", "curl", []string{"ALPINE-CVE-2023-38545"}, "curl"},
		{"Alpine:v3.18", "curl", []string{"ALPINE-CVE-2023-38545"}, "curl"},
		{"Alpine:3.18.4", "curl", []string{"ALPINE-CVE-2023-38545"}, "curl"},
		{"Alpine:v3.19", "curl", []string{}, ""},
		{"Go", "stdlib", []string{"GO-2023-2102"}, "stdlib"},
		{"Go", "golang.org/x/net", []string{"GO-2023-2102"}, "golang.org/x/net"},
		{"PyPI", "Requests", []string{"GHSA-j8r2-6x86-q33q"}, "requests"},
		{"npm", "curl", []string{}, ""},
	}
	for _, tt := range tests {
		got, err := db.Advisories(ctx, tt.ecosystem, tt.name)
		if err != nil {
			t.Fatalf("Advisories(%q, %q): %v", tt.ecosystem, tt.name, err)
		}
		if !reflect.DeepEqual(ids(got), tt.want) {
			t.Errorf("Advisories(%q, %q) = %v, want %v", tt.ecosystem, tt.name, ids(got), tt.want)
			continue
		}
		for _, a := range got {
			af := a.AffectedFor(tt.ecosystem, tt.name)
			if len(af) != 1 || af[0].Package.Name != tt.wantAffected {
				t.Errorf("%s.AffectedFor(%q, %q) = %+v, want one entry for %q", a.ID, tt.ecosystem, tt.name, af, tt.wantAffected)
			}
		}
	}
}

func TestAdvisoryKeepsFields(t *testing.T) {
	db := build(t, fixtures(t))
	a, err := db.Advisory(context.Background(), "GO-2023-2102")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := a.Aliases, []string{"CVE-2023-39325", "GHSA-4374-p667-p6c8"}; !reflect.DeepEqual(got, want) {
		t.Errorf("aliases = %v, want %v", got, want)
	}
	if got, want := a.Affected[0].Ranges[0].Events[3].Fixed, "1.21.3"; got != want {
		t.Errorf("stdlib second fixed = %q, want %q", got, want)
	}
	if _, err := db.Advisory(context.Background(), "GO-0000-0000"); !errors.Is(err, vulndb.ErrUnknownID) {
		t.Errorf("unknown id: err = %v, want ErrUnknownID", err)
	}
}

func TestWithdrawnExcluded(t *testing.T) {
	advs := fixtures(t)
	withdrawn := time.Date(2023, 11, 2, 0, 0, 0, 0, time.UTC)
	for _, a := range advs {
		if a.ID == "GO-2023-2102" {
			a.Withdrawn = &withdrawn
		}
	}
	db := build(t, advs)
	ctx := context.Background()
	got, err := db.Advisories(ctx, "Go", "stdlib")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Errorf("Advisories(Go, stdlib) = %v, want none: the record is withdrawn", ids(got))
	}
	if a, err := db.Advisory(ctx, "GO-2023-2102"); err != nil || a.Withdrawn == nil {
		t.Errorf("Advisory(GO-2023-2102) = %v, %v; want the withdrawn record", a, err)
	}
	st, err := db.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Records != 5 || st.Withdrawn != 1 {
		t.Errorf("status records/withdrawn = %d/%d, want 5/1", st.Records, st.Withdrawn)
	}
}

func TestKEVAndEPSS(t *testing.T) {
	db := build(t, fixtures(t), vulndb.WithKEVFile("testdata/kev.json"), vulndb.WithEPSSFile("testdata/epss.csv"))
	ctx := context.Background()
	for id, want := range map[string]bool{"CVE-2023-44487": true, "CVE-2021-44228": true, "CVE-2023-38545": false} {
		got, err := db.KEV(ctx, id)
		if err != nil || got != want {
			t.Errorf("KEV(%s) = %v, %v; want %v", id, got, err, want)
		}
	}
	score, ok, err := db.EPSS(ctx, "CVE-2021-44228")
	if err != nil || !ok || score != 0.97565 {
		t.Errorf("EPSS(CVE-2021-44228) = %v, %v, %v; want 0.97565, true", score, ok, err)
	}
	if _, ok, err := db.EPSS(ctx, "CVE-2023-44487"); ok || err != nil {
		t.Errorf("EPSS(CVE-2023-44487) ok = %v, err = %v; want not found", ok, err)
	}
}

func TestModifiedSince(t *testing.T) {
	built := time.Date(2023, 10, 1, 0, 0, 0, 0, time.UTC)
	db := build(t, fixtures(t), fixedClock(built))
	ctx := context.Background()
	tests := []struct {
		since time.Time
		want  []string
	}{
		// Everything was written at build time.
		{built.Add(-time.Hour), []string{"ALPINE-CVE-2023-38545", "DEBIAN-CVE-2023-38545", "DEBIAN-CVE-2023-38546", "GHSA-j8r2-6x86-q33q", "GO-2023-2102"}},
		// Only records modified after the build.
		{built.Add(time.Hour), []string{"ALPINE-CVE-2023-38545", "DEBIAN-CVE-2023-38545", "DEBIAN-CVE-2023-38546", "GO-2023-2102"}},
		{time.Date(2023, 10, 13, 0, 0, 0, 0, time.UTC), []string{"ALPINE-CVE-2023-38545", "GO-2023-2102"}},
		{time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), nil},
	}
	for _, tt := range tests {
		got, err := db.ModifiedSince(ctx, tt.since)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ModifiedSince(%s) = %v, want %v", tt.since.Format(time.RFC3339), got, tt.want)
		}
	}
}

func TestStatusAndStaleness(t *testing.T) {
	built := time.Date(2023, 10, 20, 0, 0, 0, 0, time.UTC)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "vuln.db")
	if err := vulndb.Build(ctx, path, fixtures(t), fixedClock(built)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		opts      []vulndb.Option
		wantAge   time.Duration
		wantStale bool
	}{
		{[]vulndb.Option{fixedClock(built.Add(47 * time.Hour))}, 47 * time.Hour, false},
		{[]vulndb.Option{fixedClock(built.Add(49 * time.Hour))}, 49 * time.Hour, true},
		{[]vulndb.Option{fixedClock(built.Add(49 * time.Hour)), vulndb.WithMaxAge(72 * time.Hour)}, 49 * time.Hour, false},
	}
	for i, tt := range tests {
		db, err := vulndb.Open(ctx, path, tt.opts...)
		if err != nil {
			t.Fatal(err)
		}
		if db.Age() != tt.wantAge || db.Stale() != tt.wantStale {
			t.Errorf("case %d: Age, Stale = %v, %v; want %v, %v", i, db.Age(), db.Stale(), tt.wantAge, tt.wantStale)
		}
		st, err := db.Status(ctx)
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		var ecos []string
		for _, e := range st.Ecosystems {
			ecos = append(ecos, e.Name)
			want := 1
			if e.Name == "Debian:12" {
				want = 2
			}
			if e.Records != want || e.Source != vulndb.SourceBuild {
				t.Errorf("ecosystem %s: records %d source %q, want %d %q", e.Name, e.Records, e.Source, want, vulndb.SourceBuild)
			}
		}
		sort.Strings(ecos)
		if want := []string{"Alpine:v3.18", "Debian:12", "Go", "PyPI"}; !reflect.DeepEqual(ecos, want) {
			t.Errorf("status ecosystems = %v, want %v", ecos, want)
		}
		if st.SchemaVersion != 1 || st.Stale != tt.wantStale || len(st.Sources) != 1 || st.Sources[0].Records != 5 {
			t.Errorf("status = %+v, want schema 1, stale %v, one source of 5 records", st, tt.wantStale)
		}
	}
}

func TestOpenBadInput(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notDB, []byte("not a database, just text long enough to be a header"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		want       error
	}{
		{"missing file", filepath.Join(dir, "none.db"), vulndb.ErrNoDatabase},
		{"text file", notDB, vulndb.ErrForeign},
		{"folder", dir, vulndb.ErrForeign},
	}
	for _, tt := range tests {
		_, err := vulndb.Open(context.Background(), tt.path)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: Open err = %v, want %v", tt.name, err, tt.want)
		}
		var ec interface{ InvalidInput() bool }
		if !errors.As(err, &ec) || !ec.InvalidInput() {
			t.Errorf("%s: Open err = %v, want an error with exit code 2", tt.name, err)
		}
	}
}

func TestBuildRejectsBadRecord(t *testing.T) {
	advs := fixtures(t)
	advs = append(advs, &vulndb.Advisory{ID: "GHSA-half-package", Affected: []vulndb.Affected{{Package: vulndb.Package{Name: "requests"}}}})
	path := filepath.Join(t.TempDir(), "vuln.db")
	err := vulndb.Build(context.Background(), path, advs)
	var ie *vulndb.InputError
	if !errors.As(err, &ie) || !errors.Is(err, vulndb.ErrMalformed) {
		t.Fatalf("Build err = %v, want an InputError wrapping ErrMalformed", err)
	}
	if _, serr := os.Stat(path); !errors.Is(serr, os.ErrNotExist) {
		t.Errorf("Build failed but left a file at %s (stat err %v)", path, serr)
	}
}
