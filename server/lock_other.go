//go:build !unix

package server

import "errors"

// ErrDataInUse means a read-write `drydock serve` holds the data directory.
var ErrDataInUse = errors.New("server: a read-write drydock serve is using this data directory")

// LockData is a no-op where flock(2) does not exist: gc there relies on
// the operator stopping the server first.
func LockData(dir string, exclusive bool) (func(), error) { return func() {}, nil }
