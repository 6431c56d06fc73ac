package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/drydock/drydock/auditlog"
)

var _ auditlog.Store = (*Store)(nil)

// InsertAuditEvent appends an event and returns its id.
func (s *Store) InsertAuditEvent(ctx context.Context, e auditlog.Event) (int64, error) {
	var id int64
	err := s.QueryRowContext(ctx, `INSERT INTO audit_events (at, actor, action, repo, target, outcome, reason, addr, version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		e.Time.UnixNano(), e.Actor, e.Action, e.Repo, e.Target, e.Outcome, e.Reason, e.Addr, e.Version).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: insert audit event: %w", err)
	}
	return id, nil
}

// QueryAuditEvents returns matching events newest first, at most f.Limit
// (all when f.Limit is 0).
func (s *Store) QueryAuditEvents(ctx context.Context, f auditlog.Filter) ([]auditlog.Event, error) {
	var where []string
	var args []any
	add := func(cond string, arg any) {
		where = append(where, cond)
		args = append(args, arg)
	}
	if !f.Since.IsZero() {
		add("at >= ?", f.Since.UnixNano())
	}
	if !f.Until.IsZero() {
		add("at < ?", f.Until.UnixNano())
	}
	for _, eq := range []struct{ col, val string }{
		{"actor", f.Actor}, {"repo", f.Repo}, {"action", f.Action}, {"outcome", f.Outcome},
	} {
		if eq.val != "" {
			add(eq.col+" = ?", eq.val)
		}
	}
	q := "SELECT id, at, actor, action, repo, target, outcome, reason, addr, version FROM audit_events"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY at DESC, id DESC"
	if f.Limit > 0 {
		q += " LIMIT ?"
		args = append(args, f.Limit)
	}
	rows, err := s.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: query audit events: %w", err)
	}
	defer rows.Close()
	var out []auditlog.Event
	for rows.Next() {
		var e auditlog.Event
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Repo, &e.Target, &e.Outcome, &e.Reason, &e.Addr, &e.Version); err != nil {
			return nil, fmt.Errorf("store: query audit events: %w", err)
		}
		e.Time = Time(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// DeleteAuditEventsBefore removes events older than t.
func (s *Store) DeleteAuditEventsBefore(ctx context.Context, t time.Time) (int64, error) {
	res, err := s.ExecContext(ctx, "DELETE FROM audit_events WHERE at < ?", t.UnixNano())
	if err != nil {
		return 0, fmt.Errorf("store: delete audit events: %w", err)
	}
	return res.RowsAffected()
}
