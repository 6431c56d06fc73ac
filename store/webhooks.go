package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Webhook is an endpoint that hears of a namespace's events.
type Webhook struct {
	ID        int64
	Namespace string
	URL       string
	// Secret keys the HMAC signature of every body sent; it must be kept
	// to sign, so it is stored as given.
	Secret string
	// Events are the event types it is sent ("push", "pull.denied", …).
	Events  []string
	Created time.Time
}

// WebhookDelivery is one event for one webhook: a row of the outbox until
// it is delivered or given up.
type WebhookDelivery struct {
	ID          int64
	WebhookID   int64
	EventID     string
	EventType   string
	Body        []byte
	State       string // "pending", "delivered" or "failed"
	Attempts    int
	NextAttempt time.Time
	LastStatus  int // HTTP status of the last attempt; 0 when none came back
	LastError   string
	Created     time.Time
	Updated     time.Time
	// URL and Secret are the webhook's, filled in by DueWebhookDeliveries.
	URL, Secret string
}

// CreateWebhook stores w and returns its id.
func (s *Store) CreateWebhook(ctx context.Context, w Webhook) (int64, error) {
	var id int64
	err := s.QueryRowContext(ctx, `INSERT INTO webhooks (namespace, url, secret, events, created_at)
		VALUES (?, ?, ?, ?, ?) RETURNING id`, w.Namespace, w.URL, w.Secret, strings.Join(w.Events, ","), Now()).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: create webhook: %w", err)
	}
	return id, nil
}

const webhookColumns = "id, namespace, url, secret, events, created_at"

func scanWebhook(row interface{ Scan(...any) error }) (Webhook, error) {
	var w Webhook
	var events string
	var at int64
	err := row.Scan(&w.ID, &w.Namespace, &w.URL, &w.Secret, &events, &at)
	w.Events, w.Created = strings.Split(events, ","), Time(at)
	return w, err
}

// Webhook returns one webhook, or ErrNotFound.
func (s *Store) Webhook(ctx context.Context, id int64) (Webhook, error) {
	w, err := scanWebhook(s.QueryRowContext(ctx, "SELECT "+webhookColumns+" FROM webhooks WHERE id = ?", id))
	if err != nil {
		return Webhook{}, NotFound(err, fmt.Sprintf("webhook %d", id))
	}
	return w, nil
}

// Webhooks lists the webhooks of namespace (all when "") by id.
func (s *Store) Webhooks(ctx context.Context, namespace string) ([]Webhook, error) {
	q, args := "SELECT "+webhookColumns+" FROM webhooks", []any{}
	if namespace != "" {
		q += " WHERE namespace = ?"
		args = append(args, namespace)
	}
	rows, err := s.QueryContext(ctx, q+" ORDER BY id", args...)
	if err != nil {
		return nil, fmt.Errorf("store: webhooks: %w", err)
	}
	defer rows.Close()
	out := []Webhook{}
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			return nil, fmt.Errorf("store: webhooks: %w", err)
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// DeleteWebhook removes a webhook with its deliveries, or answers ErrNotFound.
func (s *Store) DeleteWebhook(ctx context.Context, id int64) error {
	return s.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM webhook_deliveries WHERE webhook_id = ?", id); err != nil {
			return fmt.Errorf("store: delete webhook deliveries: %w", err)
		}
		res, err := tx.ExecContext(ctx, "DELETE FROM webhooks WHERE id = ?", id)
		if err != nil {
			return fmt.Errorf("store: delete webhook: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("webhook %d: %w", id, ErrNotFound)
		}
		return nil
	})
}

// EnqueueWebhookDeliveries writes pending deliveries, all or none, due now.
func (s *Store) EnqueueWebhookDeliveries(ctx context.Context, ds []WebhookDelivery) error {
	if len(ds) == 0 {
		return nil
	}
	return s.InTx(ctx, func(tx *Tx) error {
		now := Now()
		for _, d := range ds {
			if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_deliveries
				(webhook_id, event_id, event_type, body, state, attempts, next_attempt_at, created_at, updated_at)
				VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?)`, d.WebhookID, d.EventID, d.EventType, d.Body, now, now, now); err != nil {
				return fmt.Errorf("store: enqueue webhook delivery: %w", err)
			}
		}
		return nil
	})
}

const deliveryColumns = `d.id, d.webhook_id, d.event_id, d.event_type, d.body, d.state, d.attempts, d.next_attempt_at,
	d.last_status, d.last_error, d.created_at, d.updated_at`

func scanDelivery(row interface{ Scan(...any) error }, extra ...any) (WebhookDelivery, error) {
	var d WebhookDelivery
	var next, created, updated int64
	dest := append([]any{&d.ID, &d.WebhookID, &d.EventID, &d.EventType, &d.Body, &d.State, &d.Attempts, &next,
		&d.LastStatus, &d.LastError, &created, &updated}, extra...)
	err := row.Scan(dest...)
	d.NextAttempt, d.Created, d.Updated = Time(next), Time(created), Time(updated)
	return d, err
}

// DueWebhookDeliveries lists up to n pending deliveries due by now, oldest
// first, with their webhook's URL and secret.
func (s *Store) DueWebhookDeliveries(ctx context.Context, now time.Time, n int) ([]WebhookDelivery, error) {
	rows, err := s.QueryContext(ctx, `SELECT `+deliveryColumns+`, w.url, w.secret FROM webhook_deliveries d
		JOIN webhooks w ON w.id = d.webhook_id
		WHERE d.state = 'pending' AND d.next_attempt_at <= ? ORDER BY d.next_attempt_at, d.id LIMIT ?`, now.UnixNano(), n)
	if err != nil {
		return nil, fmt.Errorf("store: due webhook deliveries: %w", err)
	}
	defer rows.Close()
	var out []WebhookDelivery
	for rows.Next() {
		var url, secret string
		d, err := scanDelivery(rows, &url, &secret)
		if err != nil {
			return nil, fmt.Errorf("store: due webhook deliveries: %w", err)
		}
		d.URL, d.Secret = url, secret
		out = append(out, d)
	}
	return out, rows.Err()
}

// ClaimWebhookDelivery pushes a due delivery's next attempt to until, so
// that no other sender (another replica) takes it meanwhile. It reports
// false when someone else claimed it first.
func (s *Store) ClaimWebhookDelivery(ctx context.Context, d WebhookDelivery, until time.Time) (bool, error) {
	res, err := s.ExecContext(ctx, `UPDATE webhook_deliveries SET next_attempt_at = ?
		WHERE id = ? AND state = 'pending' AND next_attempt_at = ?`, until.UnixNano(), d.ID, d.NextAttempt.UnixNano())
	if err != nil {
		return false, fmt.Errorf("store: claim webhook delivery %d: %w", d.ID, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// RecordWebhookAttempt stores the outcome of an attempt: state, attempts,
// when to try next (for pending), the HTTP status and the error.
func (s *Store) RecordWebhookAttempt(ctx context.Context, d WebhookDelivery) error {
	_, err := s.ExecContext(ctx, `UPDATE webhook_deliveries SET state = ?, attempts = ?, next_attempt_at = ?,
		last_status = ?, last_error = ?, updated_at = ? WHERE id = ?`,
		d.State, d.Attempts, d.NextAttempt.UnixNano(), d.LastStatus, d.LastError, Now(), d.ID)
	if err != nil {
		return fmt.Errorf("store: record webhook attempt %d: %w", d.ID, err)
	}
	return nil
}

// WebhookDeliveries lists a webhook's deliveries, newest first, at most n.
func (s *Store) WebhookDeliveries(ctx context.Context, webhookID int64, n int) ([]WebhookDelivery, error) {
	rows, err := s.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries d
		WHERE d.webhook_id = ? ORDER BY d.id DESC LIMIT ?`, webhookID, n)
	if err != nil {
		return nil, fmt.Errorf("store: webhook deliveries: %w", err)
	}
	defer rows.Close()
	out := []WebhookDelivery{}
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, fmt.Errorf("store: webhook deliveries: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// PruneWebhookDeliveries deletes delivered and given-up deliveries last
// updated before before, and reports how many went; pending ones stay.
func (s *Store) PruneWebhookDeliveries(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE state <> 'pending' AND updated_at < ?`, before.UnixNano())
	if err != nil {
		return 0, fmt.Errorf("store: prune webhook deliveries: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
