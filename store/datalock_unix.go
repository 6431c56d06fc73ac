//go:build unix

package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// LockData takes the data directory's lock: shared for a read-write server
// (several may run), exclusive and without waiting for a sweep such as
// `drydock gc --delete`. It returns the function that releases it. The
// directory must exist; read-only servers take no lock.
func LockData(dir string, exclusive bool) (func(), error) {
	f, err := os.OpenFile(filepath.Join(dir, "writers.lock"), os.O_CREATE|os.O_RDWR, 0o640)
	if err != nil {
		return nil, fmt.Errorf("store: data lock: %w", err)
	}
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX | syscall.LOCK_NB
	}
	if err := syscall.Flock(int(f.Fd()), how); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, &DataInUseError{Dir: dir}
		}
		return nil, fmt.Errorf("store: data lock: %w", err)
	}
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}
