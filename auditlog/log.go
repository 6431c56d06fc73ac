package auditlog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/drydock/drydock/internal/build"
)

// Store keeps events. *store.Store satisfies it.
type Store interface {
	// InsertAuditEvent stores e and returns its id.
	InsertAuditEvent(ctx context.Context, e Event) (int64, error)
	// QueryAuditEvents returns the events matching f, newest first, at most
	// f.Limit of them (the caller has set it).
	QueryAuditEvents(ctx context.Context, f Filter) ([]Event, error)
	// DeleteAuditEventsBefore removes events older than t, returning how many.
	DeleteAuditEventsBefore(ctx context.Context, t time.Time) (int64, error)
}

// Log is the store-backed Recorder: each event is written to the store and
// as one JSON log line, so the trail survives in two places.
type Log struct {
	store     Store
	logger    *slog.Logger
	retention time.Duration
	now       func() time.Time
	denials   denials
}

var _ Recorder = (*Log)(nil)

// Option configures a Log.
type Option func(*Log) error

// WithLogger sets where the JSON lines go. Default: a JSON handler on
// standard error.
func WithLogger(l *slog.Logger) Option {
	return func(g *Log) error {
		if l == nil {
			return errors.New("auditlog: WithLogger: nil logger")
		}
		g.logger = l
		return nil
	}
}

// WithRetention sets how long Prune keeps events. Default 365 days; at
// least one day.
func WithRetention(d time.Duration) Option {
	return func(g *Log) error {
		if d < 24*time.Hour {
			return fmt.Errorf("auditlog: WithRetention: %s is shorter than a day", d)
		}
		g.retention = d
		return nil
	}
}

// WithClock sets the time source, for tests. Default time.Now.
func WithClock(now func() time.Time) Option {
	return func(g *Log) error {
		if now == nil {
			return errors.New("auditlog: WithClock: nil clock")
		}
		g.now = now
		return nil
	}
}

// New returns a Log over st.
func New(st Store, opts ...Option) (*Log, error) {
	if st == nil {
		return nil, errors.New("auditlog: New: nil store")
	}
	g := &Log{
		store:     st,
		logger:    slog.New(slog.NewJSONHandler(os.Stderr, nil)),
		retention: 365 * 24 * time.Hour,
		now:       time.Now,
	}
	for _, o := range opts {
		if err := o(g); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// ErrInvalidEvent means an event lacks its action or has an unknown outcome.
var ErrInvalidEvent = errors.New("auditlog: invalid event")

func validate(e Event) error {
	if e.Action == "" {
		return fmt.Errorf("%w: empty action", ErrInvalidEvent)
	}
	switch e.Outcome {
	case OutcomeAllowed, OutcomeDenied, OutcomeFailed:
		return nil
	}
	return fmt.Errorf("%w: outcome %q (want allowed, denied or failed)", ErrInvalidEvent, e.Outcome)
}

// Record stores e and logs it. The log line is written even when the store
// refuses, so that an outage of the database does not erase the trail.
// Anonymous denials are counted per address and minute (see denials).
func (g *Log) Record(ctx context.Context, e Event) error {
	if err := validate(e); err != nil {
		return err
	}
	e = e.escaped()
	now := g.now()
	if e.Time.IsZero() {
		e.Time = now
	}
	if aggregated(e) {
		write, due := g.denials.note(e, now)
		err := g.write(ctx, due)
		if !write {
			return err
		}
	} else if due := g.denials.due(now); len(due) > 0 {
		if err := g.write(ctx, due); err != nil {
			g.logger.ErrorContext(ctx, "audit summary lost", "err", err)
		}
	}
	return g.store1(ctx, e)
}

// store1 writes one event to the store and the log.
func (g *Log) store1(ctx context.Context, e Event) error {
	e.Time = e.Time.UTC()
	if e.Version == "" {
		e.Version = build.Version()
	}
	id, err := g.store.InsertAuditEvent(ctx, e)
	if err != nil {
		err = fmt.Errorf("auditlog: store event: %w", err)
	}
	e.ID = id
	logEvent(ctx, g.logger, e, err)
	return err
}

// Prune deletes events older than the retention period.
func (g *Log) Prune(ctx context.Context) (int64, error) {
	n, err := g.store.DeleteAuditEventsBefore(ctx, g.now().Add(-g.retention))
	if err != nil {
		return 0, fmt.Errorf("auditlog: prune: %w", err)
	}
	return n, nil
}

// PruneEvery runs Prune now and then every interval until ctx ends; drydock
// serve starts it in a goroutine. Failures are logged and retried.
func (g *Log) PruneEvery(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	// Summaries of anonymous denials are written within a minute even
	// when no further event comes to trigger them.
	minute := time.NewTicker(time.Minute)
	defer minute.Stop()
	for {
		if n, err := g.Prune(ctx); err != nil {
			g.logger.ErrorContext(ctx, "audit log retention failed", "err", err)
		} else if n > 0 {
			g.logger.InfoContext(ctx, "audit log retention", "deleted", n)
		}
		for waiting := true; waiting; {
			select {
			case <-ctx.Done():
				return
			case <-minute.C:
				if err := g.write(ctx, g.denials.due(g.now())); err != nil {
					g.logger.ErrorContext(ctx, "audit summary lost", "err", err)
				}
			case <-t.C:
				waiting = false
			}
		}
	}
}

// LogRecorder writes events only as log lines; it is the fallback when no
// store is configured (auth.Service uses it by default).
type LogRecorder struct{ logger *slog.Logger }

var _ Recorder = (*LogRecorder)(nil)

// NewLogRecorder returns a Recorder logging through l (slog.Default() if nil).
func NewLogRecorder(l *slog.Logger) *LogRecorder {
	if l == nil {
		l = slog.Default()
	}
	return &LogRecorder{logger: l}
}

// Record logs e.
func (r *LogRecorder) Record(ctx context.Context, e Event) error {
	if err := validate(e); err != nil {
		return err
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	logEvent(ctx, r.logger, e, nil)
	return nil
}

// logEvent writes one line: denials and failures at warning level so that
// an operator filtering on level sees them.
func logEvent(ctx context.Context, l *slog.Logger, e Event, storeErr error) {
	level := slog.LevelInfo
	if e.Outcome != OutcomeAllowed || storeErr != nil {
		level = slog.LevelWarn
	}
	attrs := []slog.Attr{
		slog.Time("event_time", e.Time.UTC()),
		slog.String("actor", e.Actor),
		slog.String("action", e.Action),
		slog.String("outcome", e.Outcome),
	}
	for _, kv := range [][2]string{{"repo", e.Repo}, {"target", e.Target}, {"reason", e.Reason}, {"addr", e.Addr}, {"version", e.Version}} {
		if kv[1] != "" {
			attrs = append(attrs, slog.String(kv[0], kv[1]))
		}
	}
	if e.ID != 0 {
		attrs = append(attrs, slog.Int64("id", e.ID))
	}
	if storeErr != nil {
		attrs = append(attrs, slog.String("store_error", storeErr.Error()))
	}
	l.LogAttrs(ctx, level, "audit", attrs...)
}
