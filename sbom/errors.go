package sbom

import (
	"errors"
	"strings"
)

// Sentinel errors. Callers test for them with errors.Is through the typed
// errors below.
var (
	// ErrUnknownFormat: an output format name drydock does not write.
	ErrUnknownFormat = errors.New("sbom: unknown format")
	// ErrNotJSON: the input is not a JSON document.
	ErrNotJSON = errors.New("sbom: not JSON")
	// ErrUnrecognized: the input is JSON but neither CycloneDX, SPDX nor drydock's inventory.
	ErrUnrecognized = errors.New("sbom: not a CycloneDX, SPDX or drydock inventory document")
	// ErrUnsupportedVersion: a known format in a version drydock does not read
	// (CycloneDX below 1.4, SPDX other than 2.x, a newer drydock schema).
	ErrUnsupportedVersion = errors.New("sbom: unsupported version")
	// ErrBadPURL: a package URL that does not parse.
	ErrBadPURL = errors.New("sbom: malformed package URL")
	// ErrInvalid: a field that is missing or holds a value of the wrong kind.
	ErrInvalid = errors.New("sbom: invalid document")
	// ErrTooLarge: the input is larger than MaxInputSize.
	ErrTooLarge = errors.New("sbom: input too large")
)

// UsageError is a bad argument from the caller: an unknown format name or a
// bad option.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// InvalidInput reports true: the caller asked for something wrong.
func (e *UsageError) InvalidInput() bool { return true }

// InputError is an SBOM that could not be read. It names the file (when read
// with ReadFile), the format it was read as and the field that was wrong.
type InputError struct {
	File   string // the file name, "" for Read
	Format string // "cyclonedx", "spdx", "json" or "" before detection
	Field  string // a JSON path such as "components[3].purl", or ""
	Err    error  // wraps one of the sentinels above
}

func (e *InputError) Error() string {
	var b strings.Builder
	b.WriteString("sbom: ")
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	if e.Format != "" {
		b.WriteString(e.Format)
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(strings.TrimPrefix(e.Err.Error(), "sbom: "))
	return b.String()
}

func (e *InputError) Unwrap() error { return e.Err }

// InvalidInput reports true: the document given was wrong.
func (e *InputError) InvalidInput() bool { return true }
