package vulndb_test

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/drydock/drydock/vulndb"
)

// entry is one file of a zip made by a test.
type entry struct {
	name string
	data []byte
}

// fixture returns the JSON of a record under testdata/osv.
func fixture(t testing.TB, rel string) entry {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata/osv", rel))
	if err != nil {
		t.Fatal(err)
	}
	return entry{filepath.Base(rel), b}
}

// changed returns e's record with a later modified time and edits applied.
func changed(t testing.TB, e entry, edit func(a *vulndb.Advisory)) entry {
	t.Helper()
	a := new(vulndb.Advisory)
	if err := json.Unmarshal(e.data, a); err != nil {
		t.Fatal(err)
	}
	a.Modified = a.Modified.Add(24 * time.Hour)
	edit(a)
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	return entry{e.name, b}
}

func zipBytes(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.Create(e.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeFile(t testing.TB, path string, data []byte) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func open(t testing.TB, path string) *vulndb.DB {
	t.Helper()
	db, err := vulndb.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func lookup(t testing.TB, db *vulndb.DB, eco, name string) []string {
	t.Helper()
	advs, err := db.Advisories(context.Background(), eco, name)
	if err != nil {
		t.Fatalf("Advisories(%s, %s): %v", eco, name, err)
	}
	return ids(advs)
}

func TestImportFolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cache", "vuln.db")
	rep, err := vulndb.Import(context.Background(), path, "testdata/osv")
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Sources) != 1 || rep.Sources[0].Records != 5 || rep.Sources[0].SkippedCount != 0 {
		t.Fatalf("report = %+v, want one source of 5 records, none skipped", rep)
	}
	db := open(t, path)
	if got, want := lookup(t, db, "Alpine:v3.18", "curl"), []string{"ALPINE-CVE-2023-38545"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Alpine curl = %v, want %v", got, want)
	}
	st, err := db.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs("testdata/osv")
	if len(st.Sources) != 1 || st.Sources[0].Name != abs || st.Sources[0].Records != 5 {
		t.Errorf("sources = %+v, want %s with 5 records", st.Sources, abs)
	}
}

func TestImportZipSkipsMalformedRecords(t *testing.T) {
	dir := t.TempDir()
	src := writeFile(t, filepath.Join(dir, "Debian", "all.zip"), zipBytes(t,
		fixture(t, "Debian/DEBIAN-CVE-2023-38545.json"),
		entry{"broken.json", []byte(`{"id": "DEBIAN-CVE-2023-0001", "modified": `)},
		entry{"no-modified.json", []byte(`{"id": "DEBIAN-CVE-2023-0002"}`)},
		entry{"half-package.json", []byte(`{"id": "DEBIAN-CVE-2023-0003", "modified": "2023-10-12T08:15:02Z", "affected": [{"package": {"name": "curl"}}]}`)},
		entry{"README.txt", []byte("not a record, not read")},
	))
	var log bytes.Buffer
	rep, err := vulndb.Import(context.Background(), filepath.Join(dir, "vuln.db"), src,
		vulndb.WithLogger(slog.New(slog.NewTextHandler(&log, nil))), vulndb.WithAllowPartial())
	if err != nil {
		t.Fatal(err)
	}
	sr := rep.Sources[0]
	// A record without a modified time is usable: it is stored, its time unknown.
	if sr.Source != "Debian" || sr.Records != 2 || sr.SkippedCount != 2 || sr.UnknownModified != 1 {
		t.Fatalf("report = %+v, want source Debian, 2 records (1 of unknown time), 2 skipped", sr)
	}
	for i, want := range []string{"broken.json: vulndb: malformed input: unexpected end of JSON input", "half-package.json: vulndb: malformed input: DEBIAN-CVE-2023-0003: affected[0].package"} {
		if !strings.Contains(sr.Skipped[i], want) {
			t.Errorf("skipped[%d] = %q, want it to contain %q", i, sr.Skipped[i], want)
		}
		if !strings.Contains(log.String(), strings.SplitN(want, ":", 2)[0]) {
			t.Errorf("log %q does not name %s", log.String(), want)
		}
	}
}

func TestImportSkipsOversizedRecords(t *testing.T) {
	rep, err := vulndb.Import(context.Background(), filepath.Join(t.TempDir(), "vuln.db"), "testdata/osv",
		vulndb.WithMaxRecordSize(1000), vulndb.WithLogger(slog.New(slog.DiscardHandler)), vulndb.WithAllowPartial())
	if err != nil {
		t.Fatal(err)
	}
	sr := rep.Sources[0]
	if sr.Records != 4 || sr.SkippedCount != 1 || !strings.Contains(sr.Skipped[0], "GO-2023-2102.json: vulndb: malformed input: record is over the 1000 byte limit") {
		t.Errorf("report = %+v, want 4 records and the 1,239-byte Go record skipped as over the limit", sr)
	}
}

func TestImportReplacesOnlyItsSource(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "vuln.db")
	deb45 := fixture(t, "Debian/DEBIAN-CVE-2023-38545.json")
	deb46 := fixture(t, "Debian/DEBIAN-CVE-2023-38546.json")
	feed := filepath.Join(dir, "Debian", "all.zip")
	writeFile(t, feed, zipBytes(t, deb45, deb46))
	first := vulndb.WithClock(func() time.Time { return time.Unix(1700000000, 0) })
	if _, err := vulndb.Import(ctx, path, feed, first); err != nil {
		t.Fatal(err)
	}
	if _, err := vulndb.Import(ctx, path, "testdata/osv/Go", first); err != nil {
		t.Fatal(err)
	}
	// The feed drops CVE-2023-38546 and changes CVE-2023-38545.
	writeFile(t, feed, zipBytes(t, changed(t, deb45, func(a *vulndb.Advisory) {
		a.Affected[0].Ranges[0].Events[1].Fixed = "7.88.1-10+deb12u5"
	})))
	second := time.Unix(1700003600, 0)
	if _, err := vulndb.Import(ctx, path, feed, vulndb.WithClock(func() time.Time { return second })); err != nil {
		t.Fatal(err)
	}
	db := open(t, path)
	if got, want := lookup(t, db, "Debian:12", "curl"), []string{"DEBIAN-CVE-2023-38545"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Debian curl = %v, want %v", got, want)
	}
	if got, want := lookup(t, db, "Go", "stdlib"), []string{"GO-2023-2102"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Go stdlib = %v, want %v (another source's records must stay)", got, want)
	}
	a, err := db.Advisory(ctx, "DEBIAN-CVE-2023-38545")
	if err != nil || a.Affected[0].Ranges[0].Events[1].Fixed != "7.88.1-10+deb12u5" {
		t.Errorf("changed record = %+v, %v; want fixed 7.88.1-10+deb12u5", a, err)
	}
	got, err := db.ModifiedSince(ctx, second.Add(-time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"DEBIAN-CVE-2023-38545", "DEBIAN-CVE-2023-38546"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ModifiedSince(second import) = %v, want %v (the changed and the removed record)", got, want)
	}
	if _, err := db.Advisory(ctx, "DEBIAN-CVE-2023-38546"); !errors.Is(err, vulndb.ErrUnknownID) {
		t.Errorf("removed record: err = %v, want ErrUnknownID", err)
	}
}

// corruptZip flips bytes inside the first entry's compressed data, so the
// zip's directory is fine but inflating or the checksum fails.
func corruptZip(t testing.TB, z []byte) []byte {
	t.Helper()
	out := bytes.Clone(z)
	for i := 60; i < 90 && i < len(out); i++ {
		out[i] ^= 0x55
	}
	return out
}

func TestFailedImportKeepsOldDatabase(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "vuln.db")
	if _, err := vulndb.Import(ctx, path, "testdata/osv"); err != nil {
		t.Fatal(err)
	}
	held := open(t, path)
	good := zipBytes(t, fixture(t, "Debian/DEBIAN-CVE-2023-38545.json"), fixture(t, "Go/GO-2023-2102.json"))
	tests := []struct {
		name string
		data []byte
	}{
		{"truncated zip", good[:len(good)/2]},
		{"corrupt entry", corruptZip(t, good)},
		{"empty file", nil},
	}
	for _, tt := range tests {
		src := writeFile(t, filepath.Join(dir, "in", "all.zip"), tt.data)
		if tt.data == nil {
			src = writeFile(t, filepath.Join(dir, "in", "empty.zip"), nil)
		}
		_, err := vulndb.Import(ctx, path, src, vulndb.WithSourceName(mustAbs(t, "testdata/osv")))
		var ie *vulndb.InputError
		if !errors.As(err, &ie) || !errors.Is(err, vulndb.ErrMalformed) || !ie.InvalidInput() {
			t.Errorf("%s: Import err = %v, want an InputError wrapping ErrMalformed", tt.name, err)
		}
		if got := lookup(t, held, "Go", "stdlib"); len(got) != 1 {
			t.Errorf("%s: an open handle lost the old data: Go stdlib = %v", tt.name, got)
		}
		db := open(t, path)
		if got := lookup(t, db, "Debian:12", "curl"); len(got) != 2 {
			t.Errorf("%s: reopened database Debian curl = %v, want the 2 old records", tt.name, got)
		}
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".vuln.db-*"))
	if len(left) != 0 {
		t.Errorf("failed imports left temporary files: %v", left)
	}
}

func mustAbs(t testing.TB, p string) string {
	t.Helper()
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

func TestImportEnrichmentOnly(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "vuln.db")
	if _, err := vulndb.Import(ctx, path, "testdata/osv"); err != nil {
		t.Fatal(err)
	}
	rep, err := vulndb.Import(ctx, path, "", vulndb.WithKEVFile("testdata/kev.json"), vulndb.WithEPSSFile("testdata/epss.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Sources) != 2 || rep.Sources[0].Records != 2 || rep.Sources[1].Records != 3 {
		t.Errorf("report = %+v, want KEV with 2 and EPSS with 3 records", rep.Sources)
	}
	db := open(t, path)
	if kev, err := db.KEV(ctx, "CVE-2023-44487"); err != nil || !kev {
		t.Errorf("KEV(CVE-2023-44487) = %v, %v; want true", kev, err)
	}
	if got := lookup(t, db, "Debian:12", "curl"); len(got) != 2 {
		t.Errorf("OSV records lost by an enrichment import: Debian curl = %v", got)
	}
	st, err := db.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var versions []string
	for _, s := range st.Sources {
		versions = append(versions, s.Kind+"="+s.Version)
	}
	if want := []string{"osv=", "kev=2023.10.13", "epss=model_version:v2023.03.01,score_date:2023-10-13T00:00:00+0000"}; !reflect.DeepEqual(versions, want) {
		t.Errorf("source versions = %v, want %v", versions, want)
	}
}

func TestImportGzippedEPSS(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(fixture(t, "../epss.csv").data)
	zw.Close()
	dir := t.TempDir()
	src := writeFile(t, filepath.Join(dir, "epss_scores-current.csv.gz"), gz.Bytes())
	path := filepath.Join(dir, "vuln.db")
	if _, err := vulndb.Import(context.Background(), path, "", vulndb.WithEPSSFile(src)); err != nil {
		t.Fatal(err)
	}
	if s, ok, err := open(t, path).EPSS(context.Background(), "CVE-2023-38545"); !ok || err != nil || s != 0.00219 {
		t.Errorf("EPSS(CVE-2023-38545) = %v, %v, %v; want 0.00219", s, ok, err)
	}
}

func TestImportBadEnrichment(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, file, content string
		kev                 bool
		wantEntry           string // where the error points
	}{
		{"kev not json", "kev.json", "<html>", true, ""},
		{"kev without vulnerabilities", "kev.json", `{"catalogVersion": "2023.10.13"}`, true, ""},
		{"kev bad id", "kev.json", `{"vulnerabilities": [{"cveID": "CVE-2021-44228"}, {"cveID": "log4shell"}]}`, true, "vulnerabilities[1]"},
		{"epss no columns", "epss.csv", "id,score\nCVE-2023-38545,0.1\n", false, "line 1"},
		{"epss bad score", "epss.csv", "#model_version:v2023.03.01\ncve,epss,percentile\nCVE-2023-38545,0.1,0.5\nCVE-2023-38546,1.7,0.5\n", false, "line 4"},
		{"epss bad id", "epss.csv", "cve,epss,percentile\nCVE-2023-38545,0.1,0.5\nGHSA-x,0.1,0.5\n", false, "line 3"},
	}
	for _, tt := range tests {
		f := writeFile(t, filepath.Join(dir, tt.file), []byte(tt.content))
		opt := vulndb.WithEPSSFile(f)
		if tt.kev {
			opt = vulndb.WithKEVFile(f)
		}
		_, err := vulndb.Import(context.Background(), filepath.Join(dir, "vuln.db"), "", opt)
		var ie *vulndb.InputError
		if !errors.As(err, &ie) || !errors.Is(err, vulndb.ErrMalformed) {
			t.Errorf("%s: err = %v, want an InputError wrapping ErrMalformed", tt.name, err)
			continue
		}
		if ie.Entry != tt.wantEntry || ie.Path != f {
			t.Errorf("%s: error points at %q %q, want %q %q", tt.name, ie.Path, ie.Entry, f, tt.wantEntry)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "vuln.db")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("failed imports created a database (stat err %v)", err)
	}
}

func TestImportBadSource(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, src string
		want      error
	}{
		{"missing", filepath.Join(dir, "nope.zip"), os.ErrNotExist},
		{"not a feed", writeFile(t, filepath.Join(dir, "feed.tar"), []byte("tar?")), vulndb.ErrMalformed},
	}
	for _, tt := range tests {
		_, err := vulndb.Import(context.Background(), filepath.Join(dir, "vuln.db"), tt.src)
		var ie *vulndb.InputError
		if !errors.As(err, &ie) || !errors.Is(err, tt.want) || ie.Path != tt.src {
			t.Errorf("%s: err = %v, want an InputError about %s wrapping %v", tt.name, err, tt.src, tt.want)
		}
	}
}

func TestImportRemovesOldLeftovers(t *testing.T) {
	dir := t.TempDir()
	old := writeFile(t, filepath.Join(dir, ".vuln.db-123.tmp"), []byte("killed update"))
	oldDownload := writeFile(t, filepath.Join(dir, ".download-456"), []byte("killed download"))
	recent := writeFile(t, filepath.Join(dir, ".vuln.db-789.tmp"), []byte("an update running now"))
	long := time.Now().Add(-7 * time.Hour)
	for _, p := range []string{old, oldDownload} {
		if err := os.Chtimes(p, long, long); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := vulndb.Import(context.Background(), filepath.Join(dir, "vuln.db"), "testdata/osv/Go"); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]bool{old: false, oldDownload: false, recent: true} {
		if _, err := os.Stat(p); (err == nil) != want {
			t.Errorf("%s exists = %v, want %v", filepath.Base(p), err == nil, want)
		}
	}
}
