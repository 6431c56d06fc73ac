package scan

import (
	"errors"
	"time"

	"github.com/drydock/drydock/catalog"
	"github.com/drydock/drydock/image"
	"github.com/drydock/drydock/policy"
)

// Option configures a Scanner (given to New: the default of every call) or
// one call (given to Scan, ScanImage or ScanInventory: for that call only).
type Option func(*options) error

type options struct {
	imageOpts   []image.Option
	catalogOpts []catalog.Option
	policy      *policy.Policy
	now         func() time.Time
	name        string
}

// WithName names the image (its repository) in the inventory the policy
// judges and the reports show, for images whose source says no name, such
// as one read from the registry's own store. Default: the source's name.
func WithName(name string) Option {
	return func(o *options) error {
		o.name = name
		return nil
	}
}

// WithImageOptions passes options to image.Open (platform, credentials,
// limits); options given to a call add to the scanner's. Default:
// image.Open's defaults.
func WithImageOptions(opts ...image.Option) Option {
	return func(o *options) error {
		o.imageOpts = append(o.imageOpts, opts...)
		return nil
	}
}

// WithCatalogOptions passes options to catalog.Catalog (cache, limits);
// options given to a call add to the scanner's. Default: catalog.Catalog's
// defaults, which keep the per-layer cache in the user's cache folder.
func WithCatalogOptions(opts ...catalog.Option) Option {
	return func(o *options) error {
		o.catalogOpts = append(o.catalogOpts, opts...)
		return nil
	}
}

// WithPolicy judges the findings with p; given to a call, it replaces the
// scanner's policy for that call. Default: policy.Default(), which enforces
// nothing, so every scan passes and says so in a note.
func WithPolicy(p *policy.Policy) Option {
	return func(o *options) error {
		if p == nil {
			return &OptionError{errors.New("scan: WithPolicy(nil)")}
		}
		o.policy = p
		return nil
	}
}

// WithTime sets the time the policy judges at (exception expiry, image age).
// Default: the current time.
func WithTime(t time.Time) Option {
	return func(o *options) error {
		if t.IsZero() {
			return &OptionError{errors.New("scan: WithTime: zero time")}
		}
		o.now = func() time.Time { return t }
		return nil
	}
}

// OptionError is a bad option or argument given to the scanner: the
// caller's fault.
type OptionError struct{ Err error }

func (e *OptionError) Error() string { return e.Err.Error() }
func (e *OptionError) Unwrap() error { return e.Err }

// InvalidInput marks the error as the caller's.
func (e *OptionError) InvalidInput() bool { return true }
