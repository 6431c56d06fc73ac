package jobs

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/drydock/drydock/blobstore"
	"github.com/drydock/drydock/scan"
)

// Option configures New.
type Option func(*options) error

type options struct {
	logger      *slog.Logger
	scanner     *scan.Scanner
	blobs       *blobstore.Store
	policies    PolicySource
	workers     int
	jobTimeout  time.Duration
	maxAttempts int
	registerer  prometheus.Registerer
	onScan      []func(ScanCompleted)
	onChange    []func(VerdictChanged)
}

// WithScanner is the scanner the workers judge with and the blob store
// they read images from. Required with WithWorkers.
func WithScanner(s *scan.Scanner, blobs *blobstore.Store) Option {
	return func(o *options) error {
		if s == nil || blobs == nil {
			return &ConfigError{"jobs: WithScanner needs a scanner and a blob store"}
		}
		o.scanner, o.blobs = s, blobs
		return nil
	}
}

// WithWorkers runs n scan workers in this process. Default: none (the
// queue enqueues and lists only).
func WithWorkers(n int) Option {
	return func(o *options) error {
		if n < 0 || n > 1000 {
			return &ConfigError{fmt.Sprintf("jobs: %d workers: want 0 to 1000", n)}
		}
		o.workers = n
		return nil
	}
}

// WithPolicies gives each namespace's policy. Default: the scanner's
// default policy for every namespace.
func WithPolicies(p PolicySource) Option {
	return func(o *options) error {
		o.policies = p
		return nil
	}
}

// WithJobTimeout bounds one attempt of a job; a job whose worker died (the
// process was killed) is taken up again after one and a half times this.
// Default: 10 minutes.
func WithJobTimeout(d time.Duration) Option {
	return func(o *options) error {
		if d < time.Second {
			return &ConfigError{fmt.Sprintf("jobs: job timeout %s: want at least a second", d)}
		}
		o.jobTimeout = d
		return nil
	}
}

// WithMaxAttempts sets how many times a failing job runs before it is
// discarded (and its verdict recorded as an error). Default: 8, the last
// about four minutes after the first.
func WithMaxAttempts(n int) Option {
	return func(o *options) error {
		if n < 1 {
			return &ConfigError{fmt.Sprintf("jobs: %d attempts: want at least 1", n)}
		}
		o.maxAttempts = n
		return nil
	}
}

// WithLogger logs the queue's work. Default: nothing is logged.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l != nil {
			o.logger = l
		}
		return nil
	}
}

// WithRegisterer exports queue depth, latency and failures as Prometheus
// metrics. Default: no metrics.
func WithRegisterer(r prometheus.Registerer) Option {
	return func(o *options) error {
		o.registerer = r
		return nil
	}
}

// OnScanCompleted calls fn after every scan job stored its verdict (in the
// worker's goroutine: fn must not block for long).
func OnScanCompleted(fn func(ScanCompleted)) Option {
	return func(o *options) error {
		o.onScan = append(o.onScan, fn)
		return nil
	}
}

// OnVerdictChanged calls fn when a scan changes a stored verdict from one
// final status to another (pass to fail and back, or to error).
func OnVerdictChanged(fn func(VerdictChanged)) Option {
	return func(o *options) error {
		o.onChange = append(o.onChange, fn)
		return nil
	}
}
