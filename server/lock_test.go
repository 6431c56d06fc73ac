//go:build unix

package server_test

import (
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/drydock/drydock/server"
	"github.com/drydock/drydock/store"
)

func TestDataLockKeepsGCFromARunningServer(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	open := func(ro bool) *server.Server {
		srv, err := server.New(t.Context(), server.Config{DataDir: dir, Anonymous: true, ReadOnly: ro}, quiet, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		return srv
	}
	rw := open(false)
	if _, err := store.LockData(dir, true); !errors.Is(err, store.ErrDataInUse) {
		t.Errorf("gc lock beside a read-write server = %v, want ErrDataInUse", err)
	}
	rw.Close()
	ro := open(true)
	defer ro.Close()
	unlock, err := store.LockData(dir, true)
	if err != nil {
		t.Fatalf("gc lock beside only a read-only server = %v, want nil", err)
	}
	unlock()
}
