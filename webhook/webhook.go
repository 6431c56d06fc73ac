// Package webhook tells outside systems what happened in drydock. Each
// namespace has endpoints (a URL, a secret, the event types wanted); an
// event — a push, a refused pull, a finished scan, a verdict that changed —
// becomes one CloudEvents 1.0 JSON body per endpoint, written first to an
// outbox table in the store and then sent, signed with HMAC-SHA256 over the
// body under the endpoint's secret, and retried with exponential backoff
// until it is delivered or given up. The outbox survives a restart, and
// every attempt's status and error stay readable as the delivery log.
package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/store"
)

// Event types an endpoint may ask for.
const (
	TypePush           = "push"
	TypePullDenied     = "pull.denied"
	TypeScanCompleted  = "scan.completed"
	TypeVerdictChanged = "verdict.changed"
	// TypeAuditVulnerability is a vulnerability that affects images running
	// in production now and did not at the previous audit (drydock audit,
	// or serve's scheduled audit); TypeAuditCompleted is one audit's summary.
	TypeAuditVulnerability = "audit.vulnerability"
	TypeAuditCompleted     = "audit.completed"
)

// Types lists every event type, in the order documented.
var Types = []string{TypePush, TypePullDenied, TypeScanCompleted, TypeVerdictChanged, TypeAuditVulnerability, TypeAuditCompleted}

// SignatureHeader carries "sha256=" and the hex HMAC-SHA256 of the body
// under the endpoint's secret.
const SignatureHeader = "X-Drydock-Signature"

// ContentType is the CloudEvents structured-mode JSON media type.
const ContentType = "application/cloudevents+json; charset=utf-8"

// cloudEventTypePrefix turns "push" into the CloudEvents type "dev.drydock.push".
const cloudEventTypePrefix = "dev.drydock."

// Endpoint is a webhook as the API and CLI show it; the secret is never
// shown again after it is set.
type Endpoint struct {
	ID        int64     `json:"id"`
	Namespace string    `json:"namespace"`
	URL       string    `json:"url"`
	Events    []string  `json:"events"`
	Created   time.Time `json:"created"`
}

// Delivery is one entry of an endpoint's delivery log.
type Delivery struct {
	ID          int64     `json:"id"`
	EventID     string    `json:"event_id"`
	EventType   string    `json:"event_type"`
	State       string    `json:"state"` // pending, delivered or failed
	Attempts    int       `json:"attempts"`
	NextAttempt time.Time `json:"next_attempt,omitzero"`
	LastStatus  int       `json:"last_status,omitempty"`
	LastError   string    `json:"last_error,omitempty"`
	Created     time.Time `json:"created"`
	Updated     time.Time `json:"updated"`
}

// InputError is a webhook request that cannot be accepted as given.
type InputError struct{ msg string }

func (e *InputError) Error() string { return "webhook: " + e.msg }

// InvalidInput reports that the caller gave something wrong.
func (e *InputError) InvalidInput() bool { return true }

func inputErrorf(format string, args ...any) error {
	return &InputError{fmt.Sprintf(format, args...)}
}

// ErrNotFound wraps a webhook that does not exist.
var ErrNotFound = errors.New("webhook: not found")

// Sender keeps the endpoints and sends the outbox. It is safe for
// concurrent use; Run sends until its context ends.
type Sender struct {
	st   *store.Store
	o    options
	wake chan struct{}
}

// New builds a sender on st.
func New(st *store.Store, opts ...Option) (*Sender, error) {
	if st == nil {
		return nil, errors.New("webhook: New needs a store")
	}
	o := options{
		client:      &http.Client{Timeout: 10 * time.Second, CheckRedirect: noRedirects},
		log:         slog.Default(),
		source:      "/drydock",
		backoff:     10 * time.Second,
		maxBackoff:  time.Hour,
		maxAttempts: 10,
		poll:        time.Second,
		now:         time.Now,
		keepLog:     30 * 24 * time.Hour,
	}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	return &Sender{st: st, o: o, wake: make(chan struct{}, 1)}, nil
}

// A webhook's URL answering with a redirect is a failed attempt: following
// it would send the signed body somewhere nobody configured.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// AddEndpoint registers url for namespace's events of the given types
// (every type when none), signing with secret (at least 16 bytes); it is
// audited as actor's.
func (s *Sender) AddEndpoint(ctx context.Context, actor auth.Principal, namespace, rawURL, secret string, events []string) (Endpoint, error) {
	if namespace == "" || strings.Contains(namespace, "/") {
		return Endpoint{}, inputErrorf("namespace %q: one path component", namespace)
	}
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return Endpoint{}, inputErrorf("url %q: want http:// or https://host/path without credentials", rawURL)
	}
	if len(secret) < 16 {
		return Endpoint{}, inputErrorf("secret: at least 16 characters, so the signature means something")
	}
	if len(events) == 0 {
		events = Types
	}
	for _, e := range events {
		if !slices.Contains(Types, e) {
			return Endpoint{}, inputErrorf("event type %q: one of %s", e, strings.Join(Types, ", "))
		}
	}
	w := store.Webhook{Namespace: namespace, URL: u.String(), Secret: secret, Events: slices.Compact(slices.Sorted(slices.Values(events)))}
	id, err := s.st.CreateWebhook(ctx, w)
	if err != nil {
		return Endpoint{}, err
	}
	w.ID, w.Created = id, s.o.now().UTC()
	s.audit(ctx, auditlog.Event{Actor: actor.Name, Action: "webhook.add", Repo: namespace, Target: fmt.Sprintf("%d %s", id, u.Redacted()),
		Outcome: auditlog.OutcomeAllowed, Reason: "events " + strings.Join(w.Events, ",")})
	return toEndpoint(w), nil
}

// Endpoints lists namespace's endpoints (every namespace's when "").
func (s *Sender) Endpoints(ctx context.Context, namespace string) ([]Endpoint, error) {
	ws, err := s.st.Webhooks(ctx, namespace)
	if err != nil {
		return nil, err
	}
	out := make([]Endpoint, 0, len(ws))
	for _, w := range ws {
		out = append(out, toEndpoint(w))
	}
	return out, nil
}

// Endpoint returns one endpoint; a missing one wraps ErrNotFound.
func (s *Sender) Endpoint(ctx context.Context, id int64) (Endpoint, error) {
	w, err := s.st.Webhook(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return Endpoint{}, fmt.Errorf("%w: webhook %d", ErrNotFound, id)
	}
	if err != nil {
		return Endpoint{}, err
	}
	return toEndpoint(w), nil
}

// RemoveEndpoint deletes an endpoint and its delivery log, audited as actor's.
func (s *Sender) RemoveEndpoint(ctx context.Context, actor auth.Principal, id int64) error {
	ep, err := s.Endpoint(ctx, id)
	if err != nil {
		return err
	}
	if err := s.st.DeleteWebhook(ctx, id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%w: webhook %d", ErrNotFound, id)
		}
		return err
	}
	s.audit(ctx, auditlog.Event{Actor: actor.Name, Action: "webhook.remove", Repo: ep.Namespace, Target: strconv.FormatInt(id, 10), Outcome: auditlog.OutcomeAllowed})
	return nil
}

func (s *Sender) audit(ctx context.Context, e auditlog.Event) {
	if s.o.auditor == nil {
		return
	}
	e.Time = s.o.now().UTC()
	if err := s.o.auditor.Record(ctx, e); err != nil {
		s.o.log.Warn("webhook: audit event not recorded", "action", e.Action, "err", err)
	}
}

// Deliveries is the endpoint's delivery log, newest first, at most n.
func (s *Sender) Deliveries(ctx context.Context, id int64, n int) ([]Delivery, error) {
	if _, err := s.Endpoint(ctx, id); err != nil {
		return nil, err
	}
	ds, err := s.st.WebhookDeliveries(ctx, id, n)
	if err != nil {
		return nil, err
	}
	out := make([]Delivery, 0, len(ds))
	for _, d := range ds {
		dl := Delivery{ID: d.ID, EventID: d.EventID, EventType: d.EventType, State: d.State, Attempts: d.Attempts,
			LastStatus: d.LastStatus, LastError: d.LastError, Created: d.Created, Updated: d.Updated}
		if d.State == statePending {
			dl.NextAttempt = d.NextAttempt
		}
		out = append(out, dl)
	}
	return out, nil
}

func toEndpoint(w store.Webhook) Endpoint {
	return Endpoint{ID: w.ID, Namespace: w.Namespace, URL: w.URL, Events: w.Events, Created: w.Created}
}

// cloudEvent is the CloudEvents 1.0 structured-mode envelope.
type cloudEvent struct {
	SpecVersion     string    `json:"specversion"`
	ID              string    `json:"id"`
	Source          string    `json:"source"`
	Type            string    `json:"type"`
	Subject         string    `json:"subject,omitempty"`
	Time            time.Time `json:"time"`
	DataContentType string    `json:"datacontenttype"`
	Data            any       `json:"data"`
}

// Publish queues an event of eventType about subject (a repository and
// digest, say) for every endpoint of namespace that asked for it; data is
// the event's JSON payload. The rows are durable when Publish returns.
func (s *Sender) Publish(ctx context.Context, namespace, eventType, subject string, data any) error {
	if !slices.Contains(Types, eventType) {
		return fmt.Errorf("webhook: unknown event type %q", eventType)
	}
	ws, err := s.st.Webhooks(ctx, namespace)
	if err != nil || len(ws) == 0 {
		return err
	}
	id := newEventID()
	body, err := json.Marshal(cloudEvent{SpecVersion: "1.0", ID: id, Source: s.o.source + "/namespaces/" + namespace,
		Type: cloudEventTypePrefix + eventType, Subject: subject, Time: s.o.now().UTC(), DataContentType: "application/json", Data: data})
	if err != nil {
		return fmt.Errorf("webhook: encode %s event: %w", eventType, err)
	}
	var ds []store.WebhookDelivery
	for _, w := range ws {
		if slices.Contains(w.Events, eventType) {
			ds = append(ds, store.WebhookDelivery{WebhookID: w.ID, EventID: id, EventType: eventType, Body: body})
		}
	}
	if err := s.st.EnqueueWebhookDeliveries(ctx, ds); err != nil {
		return err
	}
	if len(ds) > 0 {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	return nil
}

func newEventID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Sign is the value of SignatureHeader for body under secret; a receiver
// computes it again and compares with hmac.Equal.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify reports whether sig is body's signature under secret.
func Verify(secret string, body []byte, sig string) bool {
	return hmac.Equal([]byte(Sign(secret, body)), []byte(sig))
}
