package auditlog_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/internal/build"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/store/storetest"
)

func newLog(t *testing.T, st *store.Store, buf *bytes.Buffer, now func() time.Time, opts ...auditlog.Option) *auditlog.Log {
	t.Helper()
	base := []auditlog.Option{auditlog.WithLogger(slog.New(slog.NewJSONHandler(buf, nil))), auditlog.WithClock(now)}
	g, err := auditlog.New(st, append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestRecordWritesStoreAndOneJSONLine(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		var buf bytes.Buffer
		now := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
		g := newLog(t, st, &buf, func() time.Time { return now })
		ctx := context.Background()
		e := auditlog.Event{Actor: "alice", Action: "push", Repo: "team/app", Target: "sha256:ab", Outcome: auditlog.OutcomeDenied, Reason: "role reader", Addr: "10.1.2.3"}
		if err := g.Record(ctx, e); err != nil {
			t.Fatal(err)
		}
		got, err := g.Query(ctx, auditlog.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 {
			t.Fatalf("%d events stored, want 1", len(got))
		}
		e.ID, e.Time, e.Version = got[0].ID, now, build.Version()
		if got[0] != e {
			t.Errorf("stored %+v, want %+v", got[0], e)
		}
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		if len(lines) != 1 {
			t.Fatalf("%d log lines, want 1: %q", len(lines), buf.String())
		}
		var line map[string]any
		if err := json.Unmarshal([]byte(lines[0]), &line); err != nil {
			t.Fatalf("log line is not JSON: %v", err)
		}
		for k, want := range map[string]any{"msg": "audit", "level": "WARN", "actor": "alice", "action": "push", "repo": "team/app", "outcome": "denied", "reason": "role reader", "addr": "10.1.2.3", "version": build.Version()} {
			if line[k] != want {
				t.Errorf("log line %s = %v, want %v", k, line[k], want)
			}
		}
	})
}

func TestRecordRefusesBadEvents(t *testing.T) {
	var buf bytes.Buffer
	g := newLog(t, storetest.SQLite(t), &buf, time.Now)
	tests := []struct {
		name string
		e    auditlog.Event
	}{
		{"no action", auditlog.Event{Outcome: auditlog.OutcomeAllowed}},
		{"no outcome", auditlog.Event{Action: "pull"}},
		{"unknown outcome", auditlog.Event{Action: "pull", Outcome: "maybe"}},
	}
	for _, tt := range tests {
		if err := g.Record(context.Background(), tt.e); !errors.Is(err, auditlog.ErrInvalidEvent) {
			t.Errorf("%s: Record = %v, want ErrInvalidEvent", tt.name, err)
		}
	}
	if buf.Len() != 0 {
		t.Errorf("invalid events were logged: %s", buf.String())
	}
}

func TestQueryFilterErrors(t *testing.T) {
	var buf bytes.Buffer
	g := newLog(t, storetest.SQLite(t), &buf, time.Now)
	now := time.Now()
	tests := []struct {
		name string
		f    auditlog.Filter
	}{
		{"negative limit", auditlog.Filter{Limit: -1}},
		{"huge limit", auditlog.Filter{Limit: auditlog.MaxLimit + 1}},
		{"until before since", auditlog.Filter{Since: now, Until: now.Add(-time.Hour)}},
		{"unknown outcome", auditlog.Filter{Outcome: "perhaps"}},
	}
	for _, tt := range tests {
		_, err := g.Query(context.Background(), tt.f)
		var fe *auditlog.FilterError
		if !errors.As(err, &fe) || !fe.InvalidInput() {
			t.Errorf("%s: Query = %v, want a FilterError with exit code 2", tt.name, err)
		}
	}
}

func TestRetention(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		var buf bytes.Buffer
		now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
		g := newLog(t, st, &buf, func() time.Time { return now }, auditlog.WithRetention(30*24*time.Hour))
		ctx := context.Background()
		for _, age := range []int{40, 31, 29, 1} {
			e := auditlog.Event{Time: now.AddDate(0, 0, -age), Action: "pull", Outcome: auditlog.OutcomeAllowed}
			if err := g.Record(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		n, err := g.Prune(ctx)
		if err != nil || n != 2 {
			t.Fatalf("Prune = %d, %v; want 2 deleted", n, err)
		}
		left, _ := g.Query(ctx, auditlog.Filter{})
		if len(left) != 2 {
			t.Errorf("%d events left, want 2", len(left))
		}
	})
	if _, err := auditlog.New(storetest.SQLite(t), auditlog.WithRetention(time.Hour)); err == nil {
		t.Error("WithRetention(1h) accepted, want an error (at least a day)")
	}
}

// TestRecordLogsWhenTheStoreFails closes the database under the log: the
// event must still leave a line, marked with the store's error.
func TestRecordLogsWhenTheStoreFails(t *testing.T) {
	var buf bytes.Buffer
	st := storetest.SQLite(t)
	g := newLog(t, st, &buf, time.Now)
	st.Close()
	err := g.Record(context.Background(), auditlog.Event{Actor: "bob", Action: "delete", Repo: "team/app", Outcome: auditlog.OutcomeAllowed})
	if err == nil {
		t.Fatal("Record on a closed store returned nil, want the store's error")
	}
	var line map[string]any
	if jerr := json.Unmarshal(bytes.TrimSpace(buf.Bytes()), &line); jerr != nil {
		t.Fatalf("no JSON line written: %v (%q)", jerr, buf.String())
	}
	if line["actor"] != "bob" || line["action"] != "delete" || line["store_error"] == nil || line["level"] != "WARN" {
		t.Errorf("log line %v, want bob's delete at WARN with store_error", line)
	}
}

func TestPrintable(t *testing.T) {
	tests := []struct{ in, want string }{
		{"alice", "alice"},
		{"robot$team+ci", "robot$team+ci"},
		{"ünïcode", "ünïcode"},
		{"a\nb", `"a\nb"`},
		{"esc\x1b[31m", `"esc\x1b[31m"`},
		{"bad\xff", `"bad\xff"`},
		{"nul\x00", `"nul\x00"`},
	}
	for _, tt := range tests {
		if got := auditlog.Printable(tt.in); got != tt.want {
			t.Errorf("Printable(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
