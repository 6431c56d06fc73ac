package enforce

import (
	"errors"
	"time"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/policy"
)

// Option configures Settings, Gate and Rematcher.
type Option func(*options) error

type options struct {
	now        func() time.Time
	refresh    time.Duration
	audit      auditlog.Recorder
	fallback   *policy.Policy
	retryAfter time.Duration
	recheck    time.Duration
	onFlip     func(Flip)
}

func newOptions(opts []Option) (*options, error) {
	o := &options{
		now:        time.Now,
		refresh:    5 * time.Second,
		fallback:   policy.Default(),
		retryAfter: 30 * time.Second,
		recheck:    5 * time.Second,
	}
	for _, opt := range opts {
		if err := opt(o); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// WithClock sets the clock that exception expiry is judged by. Default:
// time.Now.
func WithClock(now func() time.Time) Option {
	return func(o *options) error {
		if now == nil {
			return &InputError{Err: errors.New("enforce: WithClock(nil)")}
		}
		o.now = now
		return nil
	}
}

// WithRefresh sets how long settings read from the store are trusted
// before they are read again (changes made by another replica show up
// within it). Default: 5 s.
func WithRefresh(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return &InputError{Err: errors.New("enforce: WithRefresh needs a positive duration")}
		}
		o.refresh = d
		return nil
	}
}

// WithAudit records settings changes, bypasses and verdict flips. Default:
// none.
func WithAudit(r auditlog.Recorder) Option {
	return func(o *options) error {
		o.audit = r
		return nil
	}
}

// WithDefaultPolicy is the policy of namespaces that have none. Default:
// policy.Default(), which passes every scanned image.
func WithDefaultPolicy(p *policy.Policy) Option {
	return func(o *options) error {
		if p == nil {
			return &InputError{Err: errors.New("enforce: WithDefaultPolicy(nil)")}
		}
		o.fallback = p
		return nil
	}
}

// WithRetryAfter is what the gate tells a client to wait when the image's
// scan has not finished. Default: 30 s.
func WithRetryAfter(d time.Duration) Option {
	return func(o *options) error {
		if d < time.Second {
			return &InputError{Err: errors.New("enforce: WithRetryAfter needs at least a second")}
		}
		o.retryAfter = d
		return nil
	}
}

// WithRecheck is how long the gate trusts a cached scan result before it
// reads it again (a rematch in another process shows up within it; in this
// process Invalidate is immediate). Default: 5 s.
func WithRecheck(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return &InputError{Err: errors.New("enforce: WithRecheck needs a positive duration")}
		}
		o.recheck = d
		return nil
	}
}

// WithFlipHook is called for each verdict a rematch flips, after it is
// stored and audited; server wires it to webhooks. Default: none.
func WithFlipHook(fn func(Flip)) Option {
	return func(o *options) error {
		o.onFlip = fn
		return nil
	}
}
