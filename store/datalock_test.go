//go:build unix

package store_test

import (
	"errors"
	"os"
	"testing"

	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/store/storetest"
)

func TestLockDataSharedWritersExclusiveSweep(t *testing.T) {
	dir := t.TempDir()
	w1, err := store.LockData(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	w2, err := store.LockData(dir, false)
	if err != nil {
		t.Fatalf("a second writer = %v, want a shared lock", err)
	}
	w1()
	_, err = store.LockData(dir, true)
	var inUse *store.DataInUseError
	if !errors.As(err, &inUse) || !errors.Is(err, store.ErrDataInUse) || !inUse.InvalidInput() {
		t.Errorf("sweep beside a writer = %v, want a *DataInUseError", err)
	}
	w2()
	unlock, err := store.LockData(dir, true)
	if err != nil {
		t.Fatalf("sweep with no writer = %v, want the lock", err)
	}
	unlock()
	if _, err := store.LockData(dir+"/missing", true); err == nil {
		t.Error("a missing data directory was locked; want an error (LockData never creates it)")
	}
}

func TestOpenExistingRefusesToCreate(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	path := dir + "/drydock.db"
	_, err := store.Open(ctx, path, store.Existing())
	var nd *store.NoDataError
	if !errors.As(err, &nd) || !errors.Is(err, store.ErrNoData) || nd.Where != path {
		t.Fatalf("Open(missing, Existing) = %v, want a *NoDataError at %s", err, path)
	}
	if _, err := store.Open(ctx, dir+"/nonexistent/drydock.db", store.Existing()); !errors.As(err, &nd) {
		t.Errorf("Open(missing dir, Existing) = %v, want a *NoDataError", err)
	}
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	st, err = store.Open(ctx, path, store.Existing())
	if err != nil {
		t.Fatalf("Open(created, Existing) = %v", err)
	}
	st.Close()
}

func TestOpenExistingRefusesEmptyDatabases(t *testing.T) {
	ctx := t.Context()
	empty := t.TempDir() + "/empty.db"
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	pg := storetest.PostgresDSN(t)
	for _, dsn := range []string{empty, pg} {
		_, err := store.Open(ctx, dsn, store.Existing())
		var nd *store.NoDataError
		if !errors.As(err, &nd) {
			t.Errorf("Open(%s, Existing) on an empty database = %v, want a *NoDataError", dsn, err)
		}
		st, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		st.Close()
		if st, err = store.Open(ctx, dsn, store.Existing()); err != nil {
			t.Errorf("Open(%s, Existing) after migration = %v", dsn, err)
		} else {
			st.Close()
		}
	}
}
