// Package vulndbtest builds real vulnerability databases from the fixture
// advisories in match/testdata/osv (real advisories' facts), for the tests
// and benchmarks of the packages that scan images or judge their findings.
// The fixtures are found from this file's location in the module, so
// callers work from any directory of a source checkout.
package vulndbtest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/drydock/drydock/vulndb"
)

// Dir returns the absolute path of the folder of fixture OSV records.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "match", "testdata", "osv")
}

// ReadAdvisories parses every fixture record.
func ReadAdvisories() ([]*vulndb.Advisory, error) {
	files, err := filepath.Glob(filepath.Join(Dir(), "*.json"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no fixture records in %s", Dir())
	}
	var advs []*vulndb.Advisory
	for _, f := range files {
		a, err := readAdvisory(f)
		if err != nil {
			return nil, err
		}
		advs = append(advs, a)
	}
	return advs, nil
}

func readAdvisory(path string) (*vulndb.Advisory, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var a vulndb.Advisory
	if err := json.Unmarshal(b, &a); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &a, nil
}

// Build writes the fixture records into a new database at path.
func Build(ctx context.Context, path string, opts ...vulndb.Option) error {
	advs, err := ReadAdvisories()
	if err != nil {
		return err
	}
	return vulndb.Build(ctx, path, advs, opts...)
}

// Advisories is ReadAdvisories for a test: it fails tb on error.
func Advisories(tb testing.TB) []*vulndb.Advisory {
	tb.Helper()
	advs, err := ReadAdvisories()
	if err != nil {
		tb.Fatalf("fixtures: %v", err)
	}
	return advs
}

// Advisory is the one fixture record in the file named id + ".json".
func Advisory(tb testing.TB, id string) *vulndb.Advisory {
	tb.Helper()
	a, err := readAdvisory(filepath.Join(Dir(), id+".json"))
	if err != nil {
		tb.Fatalf("fixture: %v", err)
	}
	return a
}

// FixturePath builds the fixture records into a database in a temporary
// directory and returns the file's path.
func FixturePath(tb testing.TB, opts ...vulndb.Option) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "vuln.db")
	if err := Build(context.Background(), path, opts...); err != nil {
		tb.Fatalf("fixtures: %v", err)
	}
	return path
}

// FixtureDB builds the fixture records into a database and opens it; the
// database is closed when the test ends.
func FixtureDB(tb testing.TB, opts ...vulndb.Option) *vulndb.DB {
	tb.Helper()
	db, err := vulndb.Open(context.Background(), FixturePath(tb, opts...))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}
