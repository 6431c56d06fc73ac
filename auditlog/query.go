package auditlog

import (
	"context"
	"fmt"
	"time"
)

// Filter selects events; zero fields match everything.
type Filter struct {
	Since, Until time.Time // Since inclusive, Until exclusive
	Actor        string
	Repo         string
	Action       string
	Outcome      string
	// Limit caps the result; 0 means DefaultLimit, more than MaxLimit is
	// an error.
	Limit int
}

// Limits on a query's size.
const (
	DefaultLimit = 1000
	MaxLimit     = 100000
)

// FilterError is a filter that cannot be run: bad input.
type FilterError struct{ msg string }

func (e *FilterError) Error() string { return "auditlog: " + e.msg }

// InvalidInput reports true.
func (e *FilterError) InvalidInput() bool { return true }

func (f *Filter) check() error {
	switch {
	case f.Limit < 0 || f.Limit > MaxLimit:
		return &FilterError{fmt.Sprintf("limit %d is outside 0…%d", f.Limit, MaxLimit)}
	case !f.Since.IsZero() && !f.Until.IsZero() && !f.Until.After(f.Since):
		return &FilterError{fmt.Sprintf("until %s is not after since %s", f.Until.Format(time.RFC3339), f.Since.Format(time.RFC3339))}
	}
	switch f.Outcome {
	case "", OutcomeAllowed, OutcomeDenied, OutcomeFailed:
	default:
		return &FilterError{fmt.Sprintf("outcome %q (want allowed, denied or failed)", f.Outcome)}
	}
	if f.Limit == 0 {
		f.Limit = DefaultLimit
	}
	return nil
}

// Query returns the events matching f, newest first.
func (g *Log) Query(ctx context.Context, f Filter) ([]Event, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	es, err := g.store.QueryAuditEvents(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("auditlog: query: %w", err)
	}
	return es, nil
}
