package store

import "errors"

// ErrDataInUse is wrapped by a *DataInUseError.
var ErrDataInUse = errors.New("store: a read-write drydock serve is using this data directory")

// DataInUseError means a read-write server holds the data directory, so an
// exclusive lock (gc --delete) was refused.
type DataInUseError struct{ Dir string }

func (e *DataInUseError) Error() string {
	return ErrDataInUse.Error() + " (" + e.Dir + "); stop it or restart it with --read-only first"
}

func (e *DataInUseError) Unwrap() error { return ErrDataInUse }

// InvalidInput reports true: the environment, not drydock, is in the way.
func (e *DataInUseError) InvalidInput() bool { return true }
