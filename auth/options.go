package auth

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/drydock/drydock/auditlog"
)

// Option configures a Service.
type Option func(*options) error

type options struct {
	issuer      string
	service     string
	realm       string
	ttl         time.Duration
	cost        int
	minPassword int
	recorder    auditlog.Recorder
	logger      *slog.Logger
	now         func() time.Time
	burst       int
	refill      time.Duration
}

func defaultOptions() options {
	return options{
		issuer:      "drydock",
		service:     "drydock",
		ttl:         5 * time.Minute,
		cost:        12,
		minPassword: 12,
		logger:      slog.Default(),
		now:         time.Now,
		burst:       10,
		refill:      6 * time.Second,
	}
}

// WithIssuer sets the tokens' "iss" claim, checked on every request.
// Default "drydock".
func WithIssuer(iss string) Option {
	return func(o *options) error {
		if iss == "" {
			return errors.New("auth: WithIssuer: empty issuer")
		}
		o.issuer = iss
		return nil
	}
}

// WithService sets the service name clients send to /token and the tokens'
// audience. Default "drydock".
func WithService(name string) Option {
	return func(o *options) error {
		if name == "" {
			return errors.New("auth: WithService: empty service name")
		}
		o.service = name
		return nil
	}
}

// WithRealm sets the absolute URL of the token endpoint announced in
// challenges. Default: derived from each request as scheme://Host/token,
// which is right unless a proxy rewrites the host.
func WithRealm(realm string) Option {
	return func(o *options) error {
		u, err := url.Parse(realm)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("auth: WithRealm: %q is not an absolute http(s) URL", realm)
		}
		o.realm = realm
		return nil
	}
}

// WithTokenTTL sets how long an issued token is valid. Default 5 minutes;
// it must lie between 10 seconds and 24 hours.
func WithTokenTTL(d time.Duration) Option {
	return func(o *options) error {
		if d < 10*time.Second || d > 24*time.Hour {
			return fmt.Errorf("auth: WithTokenTTL: %s is outside 10s…24h", d)
		}
		o.ttl = d
		return nil
	}
}

// WithBcryptCost sets the bcrypt cost for new passwords. Default 12; at
// least 10 (and at most bcrypt.MaxCost).
func WithBcryptCost(cost int) Option {
	return func(o *options) error {
		if cost < 10 || cost > bcrypt.MaxCost {
			return fmt.Errorf("auth: WithBcryptCost: %d is outside 10…%d", cost, bcrypt.MaxCost)
		}
		o.cost = cost
		return nil
	}
}

// WithMinPasswordLength sets the shortest password accepted. Default 12;
// at least 8.
func WithMinPasswordLength(n int) Option {
	return func(o *options) error {
		if n < 8 || n > 72 { // bcrypt reads at most 72 bytes
			return fmt.Errorf("auth: WithMinPasswordLength: %d is outside 8…72", n)
		}
		o.minPassword = n
		return nil
	}
}

// WithRecorder sets where audit events go. Default: a log-only recorder
// writing JSON lines through the logger (nothing kept in the store).
func WithRecorder(r auditlog.Recorder) Option {
	return func(o *options) error {
		if r == nil {
			return errors.New("auth: WithRecorder: nil recorder")
		}
		o.recorder = r
		return nil
	}
}

// WithLogger sets the logger for operational messages. Default slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return errors.New("auth: WithLogger: nil logger")
		}
		o.logger = l
		return nil
	}
}

// WithClock sets the time source, for tests of expiry. Default time.Now.
func WithClock(now func() time.Time) Option {
	return func(o *options) error {
		if now == nil {
			return errors.New("auth: WithClock: nil clock")
		}
		o.now = now
		return nil
	}
}

// WithLoginLimit sets the failed-login token bucket kept per user name and
// per client address: burst failures at once, then one more per refill.
// Default 10 failures, then one every 6 seconds.
func WithLoginLimit(burst int, refill time.Duration) Option {
	return func(o *options) error {
		if burst < 1 || refill <= 0 {
			return fmt.Errorf("auth: WithLoginLimit: burst %d and refill %s must both be positive", burst, refill)
		}
		o.burst, o.refill = burst, refill
		return nil
	}
}
