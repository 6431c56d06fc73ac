package store_test

import (
	"context"
	"testing"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/internal/build"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/store/storetest"
)

// TestAuditEventsCarryTheBuild: every recorded decision names the drydock
// build that made it, on both databases.
func TestAuditEventsCarryTheBuild(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		log, err := auditlog.New(st)
		if err != nil {
			t.Fatal(err)
		}
		if err := log.Record(ctx, auditlog.Event{Actor: "alice", Action: "push", Outcome: auditlog.OutcomeAllowed}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.InsertAuditEvent(ctx, auditlog.Event{Action: "pull", Outcome: auditlog.OutcomeAllowed, Version: "v9.9.9"}); err != nil {
			t.Fatal(err)
		}
		es, err := log.Query(ctx, auditlog.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, e := range es {
			got[e.Action] = e.Version
		}
		if got["push"] != build.Version() || got["pull"] != "v9.9.9" {
			t.Errorf("event versions = %v, want push by %q and pull by v9.9.9", got, build.Version())
		}
	})
}
