package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/store/storetest"
)

func TestOpenBadDSN(t *testing.T) {
	tests := []struct {
		name string
		dsn  string
	}{
		{"empty", ""},
		{"blank", "   "},
		{"unknown scheme", "mysql://root@localhost/db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := store.Open(context.Background(), tt.dsn)
			if err == nil {
				st.Close()
				t.Fatalf("Open(%q) = nil error, want ErrBadDSN", tt.dsn)
			}
			if !errors.Is(err, store.ErrBadDSN) {
				t.Errorf("Open(%q) error = %v, want errors.Is ErrBadDSN", tt.dsn, err)
			}
		})
	}
}

func TestOpenSQLitePrefixAndReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "x.db")
	st, err := store.Open(ctx, "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	want, err := st.Version(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	// Reopening applies nothing twice and keeps the version.
	st, err = store.Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer st.Close()
	got, err := st.Version(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got != want || got < 1 {
		t.Errorf("version after reopen = %d, want %d (>= 1)", got, want)
	}
}

func TestMigrationsMatchAcrossDialects(t *testing.T) {
	lite, err := store.Migrations(store.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := store.Migrations(store.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) != len(pg) {
		t.Fatalf("sqlite has %d migrations, postgres %d; want the same", len(lite), len(pg))
	}
	for i := range lite {
		if lite[i].Version != pg[i].Version || lite[i].Name != pg[i].Name {
			t.Errorf("migration %d: sqlite %04d_%s, postgres %04d_%s", i, lite[i].Version, lite[i].Name, pg[i].Version, pg[i].Name)
		}
	}
}

func TestRebind(t *testing.T) {
	st := storetest.SQLite(t)
	if got := st.Rebind("SELECT ? , ?"); got != "SELECT ? , ?" {
		t.Errorf("sqlite Rebind changed the query: %q", got)
	}
	pg := storetest.Postgres(t)
	tests := []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"SELECT * FROM t WHERE a = ? AND b = ?", "SELECT * FROM t WHERE a = $1 AND b = $2"},
		{"SELECT '?' WHERE x = ?", "SELECT '?' WHERE x = $1"},
	}
	for _, tt := range tests {
		if got := pg.Rebind(tt.in); got != tt.want {
			t.Errorf("Rebind(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestSuite checks the framework's behaviour on both databases.
func TestSuite(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if err := st.Ping(ctx); err != nil {
			t.Fatalf("Ping: %v", err)
		}
		if v, err := st.Version(ctx); err != nil || v < 1 {
			t.Fatalf("Version = %d, %v; want >= 1", v, err)
		}
		if _, err := st.ExecContext(ctx, "CREATE TABLE kv (k TEXT PRIMARY KEY, v BIGINT NOT NULL)"); err != nil {
			t.Fatal(err)
		}

		// A failed transaction leaves nothing behind and returns fn's error.
		boom := errors.New("boom")
		err := st.InTx(ctx, func(tx *store.Tx) error {
			if _, err := tx.ExecContext(ctx, "INSERT INTO kv (k, v) VALUES (?, ?)", "a", 1); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx error = %v, want boom", err)
		}
		var n int
		if err := st.QueryRowContext(ctx, "SELECT COUNT(*) FROM kv").Scan(&n); err != nil || n != 0 {
			t.Fatalf("rows after rollback = %d (%v), want 0", n, err)
		}

		// A duplicate key is a conflict on both databases.
		if _, err := st.ExecContext(ctx, "INSERT INTO kv (k, v) VALUES (?, ?)", "a", 1); err != nil {
			t.Fatal(err)
		}
		_, err = st.ExecContext(ctx, "INSERT INTO kv (k, v) VALUES (?, ?)", "a", 2)
		if !store.IsConflict(err) {
			t.Errorf("duplicate insert error = %v, want IsConflict", err)
		}

		// A missing row maps to ErrNotFound.
		var v int
		err = st.QueryRowContext(ctx, "SELECT v FROM kv WHERE k = ?", "zz").Scan(&v)
		if err = store.NotFound(err, "kv zz"); !errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), "kv zz") {
			t.Errorf("NotFound = %v, want ErrNotFound naming kv zz", err)
		}

		// Concurrent writers all succeed (SQLite waits on its busy timeout).
		var wg sync.WaitGroup
		errs := make(chan error, 20)
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- st.InTx(ctx, func(tx *store.Tx) error {
					_, err := tx.ExecContext(ctx, "UPDATE kv SET v = v + ? WHERE k = ?", i, "a")
					return err
				})
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("concurrent update: %v", err)
			}
		}
		if err := st.QueryRowContext(ctx, "SELECT v FROM kv WHERE k = ?", "a").Scan(&v); err != nil || v != 1+190 {
			t.Errorf("sum after concurrent updates = %d (%v), want 191", v, err)
		}
	})
}
