package vulndb_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/drydock/drydock/vulndb"
)

var quiet = vulndb.WithLogger(slog.New(slog.DiscardHandler))

// golang/vulndb writes modified 0001-01-01T00:00:00Z for every record; an
// import must keep them all and a rematch must see them as changed.
func TestImportGoVulnDBZeroModified(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "vuln.db")
	rep, err := vulndb.Import(ctx, path, "testdata/golang-vulndb", quiet)
	if err != nil {
		t.Fatal(err)
	}
	sr := rep.Sources[0]
	if sr.Records != 3 || sr.SkippedCount != 0 || sr.UnknownModified != 3 {
		t.Fatalf("report = %+v, want 3 records of unknown modified time, none skipped", sr)
	}
	db := open(t, path)
	if got, want := lookup(t, db, "Go", "golang.org/x/text"), []string{"GO-2021-0113", "GO-2022-1059"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Go golang.org/x/text = %v, want %v", got, want)
	}
	if got, want := lookup(t, db, "Go", "stdlib"), []string{"GO-2023-1878"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Go stdlib = %v, want %v", got, want)
	}
	a, err := db.Advisory(ctx, "GO-2021-0113")
	if err != nil {
		t.Fatal(err)
	}
	if a.Published == nil || !a.Published.Equal(time.Date(2021, 10, 6, 17, 51, 21, 0, time.UTC)) || vulndb.KnownTime(a.Modified) {
		t.Errorf("GO-2021-0113 published %v modified %v, want 2021-10-06T17:51:21Z and unknown", a.Published, a.Modified)
	}
	// Unknown times are changes for every rematch, however late it asks.
	got, err := db.ModifiedSince(ctx, time.Now().Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"GO-2021-0113", "GO-2022-1059", "GO-2023-1878"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ModifiedSince(tomorrow) = %v, want %v", got, want)
	}
}

func TestImportOddTimestamps(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "feed")
	cases := []struct {
		id, modified string // modified as written in the record (raw JSON)
		want         time.Time
	}{
		{"GO-2021-0001", `"2021-04-14T20:04:52"`, time.Date(2021, 4, 14, 20, 4, 52, 0, time.UTC)},
		{"GO-2021-0002", `"2021-04-14"`, time.Date(2021, 4, 14, 0, 0, 0, 0, time.UTC)},
		{"GO-2021-0003", `"2021-04-14 20:04:52+02:00"`, time.Date(2021, 4, 14, 18, 4, 52, 0, time.UTC)},
		{"GO-2021-0004", `"yesterday"`, time.Time{}},
		{"GO-2021-0005", `""`, time.Time{}},
		{"GO-2021-0006", `1618430692`, time.Time{}},
		{"GO-2021-0007", `"9999-12-31T23:59:59Z"`, time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)},
	}
	for _, c := range cases {
		rec := fmt.Sprintf(`{"id": %q, "modified": %s, "affected": [{"package": {"ecosystem": "Go", "name": "example.com/m"}}]}`, c.id, c.modified)
		writeFile(t, filepath.Join(src, c.id+".json"), []byte(rec))
	}
	rep, err := vulndb.Import(ctx, filepath.Join(dir, "vuln.db"), src, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if sr := rep.Sources[0]; sr.Records != len(cases) || sr.SkippedCount != 0 || sr.UnknownModified != 4 {
		t.Fatalf("report = %+v, want %d records, 4 of unknown time (3 unreadable, 9999 beyond what is stored), none skipped", sr, len(cases))
	}
	db := open(t, filepath.Join(dir, "vuln.db"))
	for _, c := range cases {
		a, err := db.Advisory(ctx, c.id)
		if err != nil {
			t.Fatalf("%s: %v", c.id, err)
		}
		if !a.Modified.Equal(c.want) {
			t.Errorf("%s modified %s: read %v, want %v", c.id, c.modified, a.Modified, c.want)
		}
	}
}

// A source that loses more than a small share of its records is refused
// with the first bad record named; --allow-partial imports the rest.
func TestImportRefusesMostlySkippedSource(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "Go")
	for _, name := range []string{"GO-2021-0113.json", "GO-2022-1059.json"} {
		b, err := os.ReadFile(filepath.Join("testdata/golang-vulndb", name))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(src, name), b)
	}
	writeFile(t, filepath.Join(src, "GO-2099-0001.json"), []byte(`{"id": "GO-2099-0001", "affected": [{"package": {"name": "golang.org/x/net"}}]}`))
	path := filepath.Join(dir, "vuln.db")

	_, err := vulndb.Import(ctx, path, src, quiet)
	var ie *vulndb.InputError
	if !errors.Is(err, vulndb.ErrPartial) || !errors.As(err, &ie) {
		t.Fatalf("Import = %v, want an *InputError wrapping ErrPartial", err)
	}
	for _, want := range []string{"1 of 3 records", "GO-2099-0001.json", "ecosystem \"\" and name \"golang.org/x/net\" must be given together", "--allow-partial"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("refused import left a database behind: %v", err)
	}

	rep, err := vulndb.Import(ctx, path, src, quiet, vulndb.WithAllowPartial())
	if err != nil {
		t.Fatal(err)
	}
	if sr := rep.Sources[0]; sr.Records != 2 || sr.SkippedCount != 1 || !strings.HasPrefix(sr.Skipped[0], "GO-2099-0001.json: ") {
		t.Errorf("report = %+v, want 2 records and GO-2099-0001.json named as skipped", sr)
	}
}

// One broken record among many is a warning, not a refusal.
func TestImportToleratesSmallSkippedShare(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "Go")
	for i := range 100 {
		writeFile(t, filepath.Join(src, fmt.Sprintf("GO-2024-%04d.json", i)),
			[]byte(fmt.Sprintf(`{"id": "GO-2024-%04d", "modified": "0001-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "Go", "name": "example.com/m%d"}}]}`, i, i)))
	}
	writeFile(t, filepath.Join(src, "zz-broken.json"), []byte(`{"id": `))
	rep, err := vulndb.Import(context.Background(), filepath.Join(dir, "vuln.db"), src, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if sr := rep.Sources[0]; sr.Records != 100 || sr.SkippedCount != 1 {
		t.Errorf("report = %+v, want 100 records and 1 skipped", sr)
	}
}
