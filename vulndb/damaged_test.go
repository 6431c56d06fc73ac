package vulndb_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/drydock/drydock/vulndb"
)

// damaged writes, in a folder of its own, a --db file that is not a
// drydock database, of the given kind.
func damaged(t *testing.T, kind string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "vuln.db")
	switch kind {
	case "text":
		writeFile(t, path, []byte("these are my notes, not a database\n"))
	case "random bytes":
		b := make([]byte, 64<<10)
		rand.Read(b)
		writeFile(t, path, b)
	case "foreign SQLite":
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers (name) VALUES ('ada')"); err != nil {
			t.Fatal(err)
		}
		db.Close()
	case "folder":
		if err := os.Mkdir(path, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// TestDamagedDatabaseFileIsRefused: import and update on a file that is
// not a drydock database never panic, never overwrite it, leave no
// temporary file, and say what is wrong (bad input).
func TestDamagedDatabaseFileIsRefused(t *testing.T) {
	ctx := context.Background()
	for _, kind := range []string{"text", "random bytes", "foreign SQLite", "folder"} {
		t.Run(kind, func(t *testing.T) {
			path := damaged(t, kind)
			before, _ := os.ReadFile(path)
			calls := map[string]func() error{
				"Import": func() error { _, err := vulndb.Import(ctx, path, "testdata/osv"); return err },
				"Update": func() error {
					_, err := vulndb.Update(ctx, path, vulndb.WithBaseURL("http://127.0.0.1:1"), vulndb.WithEcosystems("Go"))
					return err
				},
				"Open": func() error { _, err := vulndb.Open(ctx, path); return err },
			}
			for name, call := range calls {
				err := call()
				var ie *vulndb.InputError
				if !errors.As(err, &ie) || !errors.Is(err, vulndb.ErrForeign) || !ie.InvalidInput() {
					t.Errorf("%s on a %s file = %v, want an *InputError wrapping ErrForeign", name, kind, err)
				}
				after, _ := os.ReadFile(path)
				if !bytes.Equal(before, after) {
					t.Errorf("%s changed the %s file", name, kind)
				}
				entries, _ := os.ReadDir(filepath.Dir(path))
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				if !slices.Equal(names, []string{"vuln.db"}) {
					t.Errorf("%s left files beside the database: %v", name, names)
				}
			}
		})
	}
}

// TestOtherSchemaIsRebuilt: a drydock database of another schema version
// is rebuilt by import (with a warning), not refused.
func TestOtherSchemaIsRebuilt(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "vuln.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE advisories (id TEXT); CREATE TABLE meta (source TEXT); PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := vulndb.Open(ctx, path); !errors.Is(err, vulndb.ErrSchema) {
		t.Errorf("Open on another schema = %v, want ErrSchema", err)
	}
	if _, err := vulndb.Import(ctx, path, "testdata/osv"); err != nil {
		t.Fatalf("Import over another schema = %v, want a rebuild", err)
	}
	if got := lookup(t, open(t, path), "Debian:12", "curl"); len(got) == 0 {
		t.Error("the rebuilt database has no records")
	}
}
