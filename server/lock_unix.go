//go:build unix

package server

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// ErrDataInUse means a read-write `drydock serve` holds the data directory,
// so `drydock gc --delete` must not sweep it.
var ErrDataInUse = errors.New("server: a read-write drydock serve is using this data directory; stop it or restart it with --read-only before gc --delete")

// LockData takes the data directory's lock: shared for a read-write
// server (several may run), exclusive and without waiting for gc. It
// returns the function that releases it. Read-only servers take none.
func LockData(dir string, exclusive bool) (func(), error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("server: data directory: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, "writers.lock"), os.O_CREATE|os.O_RDWR, 0o640)
	if err != nil {
		return nil, fmt.Errorf("server: data lock: %w", err)
	}
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX | syscall.LOCK_NB
	}
	if err := syscall.Flock(int(f.Fd()), how); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, ErrDataInUse
		}
		return nil, fmt.Errorf("server: data lock: %w", err)
	}
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}
