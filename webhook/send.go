package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/registry"
	"github.com/drydock/drydock/store"
)

// Delivery states.
const (
	statePending   = "pending"
	stateDelivered = "delivered"
	stateFailed    = "failed"
)

// Option configures a Sender.
type Option func(*options) error

type options struct {
	client      *http.Client
	log         *slog.Logger
	source      string
	backoff     time.Duration
	maxBackoff  time.Duration
	maxAttempts int
	poll        time.Duration
	now         func() time.Time
	auditor     auditlog.Recorder
	keepLog     time.Duration
}

// WithLogRetention keeps delivered and given-up deliveries in the log for
// d. Default 30 days; at least an hour.
func WithLogRetention(d time.Duration) Option {
	return func(o *options) error {
		if d < time.Hour {
			return errors.New("webhook: WithLogRetention: under an hour")
		}
		o.keepLog = d
		return nil
	}
}

// WithAuditor records endpoint changes in rec. Default: not recorded.
func WithAuditor(rec auditlog.Recorder) Option {
	return func(o *options) error {
		if rec == nil {
			return errors.New("webhook: WithAuditor: nil recorder")
		}
		o.auditor = rec
		return nil
	}
}

// WithHTTPClient sends with c. Default: a 10-second timeout, no redirects.
func WithHTTPClient(c *http.Client) Option {
	return func(o *options) error {
		if c == nil {
			return errors.New("webhook: WithHTTPClient: nil client")
		}
		o.client = c
		return nil
	}
}

// WithLogger logs failed attempts to l. Default slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return errors.New("webhook: WithLogger: nil logger")
		}
		o.log = l
		return nil
	}
}

// WithSource sets the CloudEvents source prefix; events of namespace ns
// carry source "<prefix>/namespaces/<ns>". Default "/drydock".
func WithSource(s string) Option {
	return func(o *options) error {
		if s == "" {
			return errors.New("webhook: WithSource: empty source")
		}
		o.source = s
		return nil
	}
}

// WithRetry waits first after the first failed attempt and doubles the
// wait after each further one up to most, giving up after attempts tries.
// Default 10 s doubling up to 1 h, 10 attempts (about 4 hours in all).
func WithRetry(first, most time.Duration, attempts int) Option {
	return func(o *options) error {
		if first <= 0 || most < first || attempts < 1 {
			return errors.New("webhook: WithRetry: want 0 < first <= most and at least one attempt")
		}
		o.backoff, o.maxBackoff, o.maxAttempts = first, most, attempts
		return nil
	}
}

// WithPollInterval is how often Run looks for due deliveries when nothing
// wakes it. Default 1 s.
func WithPollInterval(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return errors.New("webhook: WithPollInterval: not positive")
		}
		o.poll = d
		return nil
	}
}

// Run sends due deliveries until ctx ends: at once when Publish queues one,
// else every poll interval. Once an hour it drops finished deliveries
// older than the log keeps them (WithLogRetention).
func (s *Sender) Run(ctx context.Context) {
	t := time.NewTicker(s.o.poll)
	defer t.Stop()
	var pruned time.Time
	for {
		if _, err := s.SendDue(ctx); err != nil && ctx.Err() == nil {
			s.o.log.Warn("webhook: sending due deliveries", "err", err)
		}
		if now := s.o.now(); now.Sub(pruned) >= time.Hour {
			pruned = now
			if _, err := s.st.PruneWebhookDeliveries(ctx, now.Add(-s.o.keepLog)); err != nil && ctx.Err() == nil {
				s.o.log.Warn("webhook: pruning the delivery log", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.wake:
		}
	}
}

// SendDue makes one attempt at every delivery due now and reports how
// many it attempted.
func (s *Sender) SendDue(ctx context.Context) (int, error) {
	n := 0
	for {
		due, err := s.st.DueWebhookDeliveries(ctx, s.o.now(), 50)
		if err != nil {
			return n, err
		}
		if len(due) == 0 {
			return n, nil
		}
		for _, d := range due {
			// The claim keeps another replica off this row for the length
			// of one attempt.
			ok, err := s.st.ClaimWebhookDelivery(ctx, d, s.o.now().Add(s.o.client.Timeout+time.Minute))
			if err != nil {
				return n, err
			}
			if !ok {
				continue
			}
			if err := s.attempt(ctx, d); err != nil {
				return n, err
			}
			n++
		}
	}
}

// attempt posts one delivery and records the outcome.
func (s *Sender) attempt(ctx context.Context, d store.WebhookDelivery) error {
	d.Attempts++
	status, err := s.post(ctx, d)
	d.LastStatus = status
	switch {
	case err == nil:
		d.State, d.LastError = stateDelivered, ""
	case d.Attempts >= s.o.maxAttempts:
		d.State, d.LastError = stateFailed, err.Error()
	default:
		d.State, d.LastError = statePending, err.Error()
		d.NextAttempt = s.o.now().Add(s.backoff(d.Attempts))
	}
	if err != nil {
		s.o.log.Warn("webhook: delivery failed", "webhook", d.WebhookID, "event", d.EventID, "attempt", d.Attempts, "err", err)
	}
	return s.st.RecordWebhookAttempt(ctx, d)
}

// backoff is the wait after the n-th failed attempt.
func (s *Sender) backoff(n int) time.Duration {
	wait := s.o.backoff
	for i := 1; i < n && wait < s.o.maxBackoff; i++ {
		wait *= 2
	}
	return min(wait, s.o.maxBackoff)
}

func (s *Sender) post(ctx context.Context, d store.WebhookDelivery) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(d.Body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", ContentType)
	req.Header.Set(SignatureHeader, Sign(d.Secret, d.Body))
	req.Header.Set("User-Agent", "drydock-webhook")
	resp, err := s.o.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("HTTP %d from %s", resp.StatusCode, req.URL.Redacted())
	}
	return resp.StatusCode, nil
}

// pushData and deniedData are the payloads of registry events.
type pushData struct {
	Repository   string `json:"repository"`
	Digest       string `json:"digest"`
	Tag          string `json:"tag,omitempty"`
	MediaType    string `json:"media_type,omitempty"`
	ArtifactType string `json:"artifact_type,omitempty"`
	Actor        string `json:"actor,omitempty"`
}

type deniedData struct {
	Repository string `json:"repository"`
	Digest     string `json:"digest"`
	Tag        string `json:"tag,omitempty"`
	Actor      string `json:"actor,omitempty"`
	Reason     string `json:"reason"`
}

// Listener turns the registry's pushes and refused pulls into webhook
// events of the repository's namespace.
func (s *Sender) Listener() registry.Listener {
	return registry.ListenerFunc(func(ctx context.Context, e registry.Event) {
		ns, ok := auth.NamespaceOf(e.Repo)
		if !ok {
			return
		}
		subject := e.Repo + "@" + e.Digest.String()
		var err error
		switch e.Kind {
		case registry.EventManifestPushed:
			err = s.Publish(ctx, ns, TypePush, subject, pushData{Repository: e.Repo, Digest: e.Digest.String(), Tag: e.Tag,
				MediaType: e.MediaType, ArtifactType: e.ArtifactType, Actor: e.Actor.Name})
		case registry.EventPullDenied:
			err = s.Publish(ctx, ns, TypePullDenied, subject, deniedData{Repository: e.Repo, Digest: e.Digest.String(), Tag: e.Tag,
				Actor: e.Actor.Name, Reason: e.Reason})
		}
		if err != nil {
			s.o.log.Warn("webhook: event not queued", "kind", e.Kind, "repo", e.Repo, "err", err)
		}
	})
}
