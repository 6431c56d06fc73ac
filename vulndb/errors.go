package vulndb

import (
	"errors"
	"fmt"
)

// Sentinel errors; test with errors.Is through any wrapping.
var (
	// ErrNoDatabase means there is no database file at the path: the user
	// has to create one first.
	ErrNoDatabase = errors.New("vulndb: no vulnerability database (run `drydock db update`, or `drydock db import PATH` offline)")
	// ErrSchema means the file is not a drydock database of the schema this
	// build reads (another program's file, or a newer drydock's).
	ErrSchema = errors.New("vulndb: not a drydock vulnerability database of schema version " + schemaVersionString + " (run `drydock db update` to rebuild it)")
	// ErrForeign means the file is not a drydock vulnerability database at
	// all — text, random bytes, another program's SQLite database — so
	// drydock neither reads it nor writes over it.
	ErrForeign = errors.New("vulndb: not a drydock vulnerability database, and drydock will not overwrite it (remove it, or pass another --db)")
	// ErrUnknownID means no record has that id.
	ErrUnknownID = errors.New("vulndb: no record with that id")
	// ErrMalformed means a feed, record or enrichment file could not be read
	// as what it claims to be.
	ErrMalformed = errors.New("vulndb: malformed input")
)

// InputError is bad input: a missing or foreign database, a malformed zip,
// record or enrichment file. It names where the problem is (file, zip entry,
// line or record id); InvalidInput reports true.
type InputError struct {
	// Path is the file or folder the problem is in.
	Path string
	// Entry is the zip entry, the file inside a folder, "line N" or the
	// record id; empty when the whole file is the problem.
	Entry string
	Err   error
}

func (e *InputError) Error() string {
	if e.Entry == "" {
		return fmt.Sprintf("%s: %v", e.Path, e.Err)
	}
	return fmt.Sprintf("%s: %s: %v", e.Path, e.Entry, e.Err)
}

func (e *InputError) Unwrap() error { return e.Err }

// InvalidInput reports true: the input given was wrong.
func (e *InputError) InvalidInput() bool { return true }

// OptionError is an option given a value it cannot take (a bad URL, a
// negative size): the caller's mistake.
type OptionError struct {
	Option string // "WithBaseURL"
	Err    error
}

func (e *OptionError) Error() string { return "vulndb: " + e.Option + ": " + e.Err.Error() }
func (e *OptionError) Unwrap() error { return e.Err }

// InvalidInput reports true.
func (e *OptionError) InvalidInput() bool { return true }

// HTTPError is an unexpected answer from a feed server.
type HTTPError struct {
	URL        string
	StatusCode int
	Status     string
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("vulndb: GET %s: %s", e.URL, e.Status)
}

// InvalidInput treats a feed that is not there (404, 410) as the caller's
// mistake — almost always a misspelled ecosystem or base URL — and anything
// else as drydock not being able to do its job.
func (e *HTTPError) InvalidInput() bool {
	return e.StatusCode == 404 || e.StatusCode == 410
}

// malformed wraps err so that errors.Is(err, ErrMalformed) holds.
func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}
