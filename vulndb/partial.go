package vulndb

import (
	"errors"
	"fmt"
)

// ErrPartial means an import skipped more of a source's records than
// MaxSkippedShare allows: the database would silently miss a large part of
// the source, so nothing is written unless WithAllowPartial is given.
var ErrPartial = errors.New("vulndb: too many malformed records")

// MaxSkippedShare is the share of a source's records that may be skipped as
// malformed before Import and Update refuse the source: 1%. A real feed
// carries at most a handful of broken records; more means drydock and the
// feed disagree on the format, and the scans that follow would be wrong.
const MaxSkippedShare = 0.01

// WithAllowPartial lets Import and Update keep a source even when more than
// MaxSkippedShare of its records were skipped as malformed; the skipped
// ones are still named in the report and the log. Default: such a source
// is an *InputError wrapping ErrPartial and nothing is written.
func WithAllowPartial() Option {
	return func(o *options) error {
		o.partial = true
		return nil
	}
}

// checkSkipped refuses a source report whose skipped share is too large.
func checkSkipped(sr SourceReport, o *options) error {
	total := sr.Records + sr.SkippedCount
	if o.partial || sr.SkippedCount == 0 || float64(sr.SkippedCount) <= MaxSkippedShare*float64(total) {
		return nil
	}
	first := ""
	if len(sr.Skipped) > 0 {
		first = "; first: " + sr.Skipped[0]
	}
	return &InputError{Path: sr.Location, Err: fmt.Errorf(
		"%w: %d of %d records of source %s could not be read (over %.0f%%)%s; nothing was imported (fix the feed, or pass --allow-partial to import the rest)",
		ErrPartial, sr.SkippedCount, total, sr.Source, MaxSkippedShare*100, first)}
}
