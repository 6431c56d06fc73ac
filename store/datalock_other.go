//go:build !unix

package store

// LockData is a no-op where flock(2) does not exist: a sweep there relies
// on the operator stopping the server first.
func LockData(dir string, exclusive bool) (func(), error) { return func() {}, nil }
