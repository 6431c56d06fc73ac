package registry

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/auth"
)

// Option configures a Registry.
type Option func(*options) error

type options struct {
	authorizer   auth.Authorizer
	anonymous    bool
	auditor      auditlog.Recorder
	logger       *slog.Logger
	readOnly     bool
	registerer   prometheus.Registerer
	maxManifest  int64
	sparse       bool
	pullInterval int64 // nanoseconds between last-pulled updates of one manifest
	gate         Gate
	listeners    []Listener
	maxUploads   int   // open upload sessions per account
	maxUpBytes   int64 // bytes in one account's open uploads
}

// buildOptions applies opts over the defaults.
func buildOptions(opts []Option) (options, error) {
	o := options{
		logger:       slog.Default(),
		maxManifest:  4 << 20,
		pullInterval: int64(time.Minute),
		gate:         OpenGate{},
		maxUploads:   100,
		maxUpBytes:   20 << 30,
	}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return o, err
		}
	}
	if o.auditor == nil {
		o.auditor = auditlog.NewLogRecorder(o.logger)
	}
	return o, nil
}

// WithGate asks g before serving a manifest or blob and before moving a
// tag. Default OpenGate, which allows everything.
func WithGate(g Gate) Option {
	return func(o *options) error {
		if g == nil {
			return errors.New("registry: WithGate: nil gate")
		}
		o.gate = g
		return nil
	}
}

// WithListener adds l to the listeners the registry's events are published
// to, after the audit trail; it may be given several times. Default: only
// the audit trail (see WithAuditor).
func WithListener(l Listener) Option {
	return func(o *options) error {
		if l == nil {
			return errors.New("registry: WithListener: nil listener")
		}
		o.listeners = append(o.listeners, l)
		return nil
	}
}

// WithAuthorizer decides every request with a. Default: none — and then New
// refuses to build a registry unless WithAnonymousAccess is given too, so
// an open registry is always a written-down choice.
func WithAuthorizer(a auth.Authorizer) Option {
	return func(o *options) error {
		if a == nil {
			return errors.New("registry: WithAuthorizer: nil authorizer")
		}
		o.authorizer = a
		return nil
	}
}

// WithAnonymousAccess lets everyone pull, push and delete when no
// Authorizer is set: for tests and throwaway local registries only.
// Default: off.
func WithAnonymousAccess() Option {
	return func(o *options) error {
		o.anonymous = true
		return nil
	}
}

// WithAuditor sends every push, pull, delete and denial to rec. Default:
// one JSON log line per event through the logger (auditlog.NewLogRecorder).
func WithAuditor(rec auditlog.Recorder) Option {
	return func(o *options) error {
		if rec == nil {
			return errors.New("registry: WithAuditor: nil recorder")
		}
		o.auditor = rec
		return nil
	}
}

// WithLogger sets the logger for operational messages. Default slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return errors.New("registry: WithLogger: nil logger")
		}
		o.logger = l
		return nil
	}
}

// WithReadOnly refuses every write (push, upload, delete) with 405
// UNSUPPORTED while reads go on, e.g. during garbage collection.
// Default false.
func WithReadOnly(ro bool) Option {
	return func(o *options) error {
		o.readOnly = ro
		return nil
	}
}

// WithUploadLimits caps what one account (an anonymous caller: one client
// address) may hold in upload sessions not yet finished: sessions open at
// once, and bytes written to them (also the most one single-request push
// may send). Past either, the registry answers 429 TOOMANYREQUESTS until
// uploads are finished, cancelled or expire. Default 100 sessions and 20
// GiB; both at least 1.
func WithUploadLimits(sessions int, bytes int64) Option {
	return func(o *options) error {
		if sessions < 1 || bytes < 1 {
			return fmt.Errorf("registry: WithUploadLimits: %d sessions and %d bytes must both be positive", sessions, bytes)
		}
		o.maxUploads, o.maxUpBytes = sessions, bytes
		return nil
	}
}

// WithRegisterer registers the registry's Prometheus metrics with reg.
// Default: metrics are kept but registered nowhere.
func WithRegisterer(reg prometheus.Registerer) Option {
	return func(o *options) error {
		if reg == nil {
			return errors.New("registry: WithRegisterer: nil registerer")
		}
		o.registerer = reg
		return nil
	}
}

// WithMaxManifestSize sets the largest manifest accepted, in bytes.
// Default 4 MiB, the limit the distribution spec suggests; at least 1 KiB.
func WithMaxManifestSize(n int64) Option {
	return func(o *options) error {
		if n < 1024 {
			return errors.New("registry: WithMaxManifestSize: below 1 KiB")
		}
		o.maxManifest = n
		return nil
	}
}

// WithSparseManifests accepts image manifests whose layers are not in the
// repository (the config still must be), for mirrors that copy only part of
// an image. Default off: every layer must be pushed first, or the push is
// refused with MANIFEST_BLOB_UNKNOWN.
func WithSparseManifests() Option {
	return func(o *options) error {
		o.sparse = true
		return nil
	}
}
