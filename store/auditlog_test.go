package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/store/storetest"
)

func TestAuditEvents(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		base := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
		events := []auditlog.Event{
			{Time: base, Actor: "alice", Action: "push", Repo: "team/app", Target: "sha256:aa", Outcome: auditlog.OutcomeAllowed},
			{Time: base.Add(time.Hour), Actor: "bob", Action: "push", Repo: "team/app", Outcome: auditlog.OutcomeDenied, Reason: "role reader", Addr: "10.0.0.2"},
			{Time: base.Add(2 * time.Hour), Actor: "alice", Action: "pull", Repo: "other/x", Outcome: auditlog.OutcomeAllowed},
			{Time: base.Add(3 * time.Hour), Actor: "", Action: "login", Outcome: auditlog.OutcomeFailed},
		}
		var last int64
		for _, e := range events {
			id, err := st.InsertAuditEvent(ctx, e)
			if err != nil {
				t.Fatalf("InsertAuditEvent: %v", err)
			}
			if id <= last {
				t.Errorf("event id %d not above previous %d", id, last)
			}
			last = id
		}
		tests := []struct {
			name string
			f    auditlog.Filter
			want []string // actors+actions, newest first
		}{
			{"all", auditlog.Filter{}, []string{"/login", "alice/pull", "bob/push", "alice/push"}},
			{"actor", auditlog.Filter{Actor: "alice"}, []string{"alice/pull", "alice/push"}},
			{"repo", auditlog.Filter{Repo: "team/app"}, []string{"bob/push", "alice/push"}},
			{"denied", auditlog.Filter{Outcome: auditlog.OutcomeDenied}, []string{"bob/push"}},
			{"action", auditlog.Filter{Action: "pull"}, []string{"alice/pull"}},
			{"window", auditlog.Filter{Since: base.Add(time.Hour), Until: base.Add(3 * time.Hour)}, []string{"alice/pull", "bob/push"}},
			{"limit", auditlog.Filter{Limit: 1}, []string{"/login"}},
		}
		for _, tt := range tests {
			got, err := st.QueryAuditEvents(ctx, tt.f)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			var names []string
			for _, e := range got {
				names = append(names, e.Actor+"/"+e.Action)
			}
			if len(names) != len(tt.want) {
				t.Errorf("%s: got %v, want %v", tt.name, names, tt.want)
				continue
			}
			for i := range names {
				if names[i] != tt.want[i] {
					t.Errorf("%s: got %v, want %v", tt.name, names, tt.want)
					break
				}
			}
		}
		denied, _ := st.QueryAuditEvents(ctx, auditlog.Filter{Outcome: auditlog.OutcomeDenied})
		if len(denied) == 1 {
			d := denied[0]
			if d.Reason != "role reader" || d.Addr != "10.0.0.2" || !d.Time.Equal(base.Add(time.Hour)) || d.ID == 0 {
				t.Errorf("denied event round trip = %+v, want reason, addr, time and id kept", d)
			}
		}
		n, err := st.DeleteAuditEventsBefore(ctx, base.Add(2*time.Hour))
		if err != nil || n != 2 {
			t.Errorf("DeleteAuditEventsBefore = %d, %v; want 2", n, err)
		}
		if rest, _ := st.QueryAuditEvents(ctx, auditlog.Filter{}); len(rest) != 2 {
			t.Errorf("after retention %d events, want 2", len(rest))
		}
	})
}
