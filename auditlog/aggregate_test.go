package auditlog_test

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/store/storetest"
)

// TestAnonymousDenialsAreCounted: 2,000 anonymous requests denied in one
// minute from one address make one row as they happen and one summary
// with the count when the minute is over, not 2,000 rows; denials of
// known callers are still written one by one.
func TestAnonymousDenialsAreCounted(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Date(2026, 6, 1, 10, 0, 5, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	var buf bytes.Buffer
	g := newLog(t, storetest.SQLite(t), &buf, clock)
	ctx := t.Context()
	deny := auditlog.Event{Action: "pull", Repo: "team/app", Outcome: auditlog.OutcomeDenied, Reason: "namespace team is not public", Addr: "10.6.6.6"}
	for range 2000 {
		if err := g.Record(ctx, deny); err != nil {
			t.Fatal(err)
		}
	}
	other := deny
	other.Addr = "10.7.7.7"
	if err := g.Record(ctx, other); err != nil {
		t.Fatal(err)
	}
	named := auditlog.Event{Actor: "olga", Action: "pull", Repo: "team/app", Outcome: auditlog.OutcomeDenied, Reason: "not a member", Addr: "10.6.6.6"}
	for range 3 {
		if err := g.Record(ctx, named); err != nil {
			t.Fatal(err)
		}
	}
	count := func() int {
		es, err := g.Query(ctx, auditlog.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		return len(es)
	}
	if n := count(); n != 5 {
		t.Errorf("%d rows within the minute, want 5 (one per anonymous address, three named)", n)
	}
	// The next minute's first event writes the summary of the last.
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	if err := g.Record(ctx, deny); err != nil {
		t.Fatal(err)
	}
	es, err := g.Query(ctx, auditlog.Filter{Outcome: auditlog.OutcomeDenied})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 7 {
		t.Fatalf("%d rows after the minute, want 7 (the summary and the new minute's first)", len(es))
	}
	var summary *auditlog.Event
	for i := range es {
		if strings.HasPrefix(es[i].Reason, "1999 more") {
			summary = &es[i]
		}
	}
	if summary == nil || summary.Addr != "10.6.6.6" || !strings.Contains(summary.Reason, "namespace team is not public") {
		t.Errorf("no summary counting the other 1999 denials from 10.6.6.6 in %+v", es)
	}
	// Flush writes what the current minute counted so far.
	if err := g.Record(ctx, deny); err != nil {
		t.Fatal(err)
	}
	if err := g.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 8 {
		t.Errorf("%d rows after Flush, want 8", n)
	}
}
