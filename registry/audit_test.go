package registry_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/blobstore"
	"github.com/drydock/drydock/registry"
	"github.com/drydock/drydock/store/storetest"
)

// TestAuditTrail checks that pushes, pulls and deletes reach the
// store-backed audit log, and that Close flushes the queue.
func TestAuditTrail(t *testing.T) {
	ctx := context.Background()
	st := storetest.SQLite(t)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	rec, err := auditlog.New(st, auditlog.WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	blobs, _ := blobstore.NewFilesystem(t.TempDir())
	rg, err := registry.New(st, blobs, registry.WithAnonymousAccess(), registry.WithAuditor(rec), registry.WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rg)
	defer srv.Close()
	m := manifest("{}")
	steps := []call{
		{"POST", "/v2/team/app/blobs/uploads/?digest=" + sha("{}"), nil, "{}"},
		{"PUT", "/v2/team/app/manifests/v1", map[string]string{"Content-Type": imageMT}, m},
		{"GET", "/v2/team/app/manifests/v1", nil, ""},
		{"DELETE", "/v2/team/app/manifests/" + sha(m), nil, ""},
	}
	for _, c := range steps {
		if status, _, _, body := do(t, srv, c); status >= 300 {
			t.Fatalf("%s %s = %d %s", c.method, c.path, status, body)
		}
	}
	rg.Close() // waits for the queue to drain
	tests := []struct{ action, target string }{
		{"push", sha(m) + " as v1"},
		{"pull", sha(m)},
		{"delete", sha(m)},
	}
	for _, tt := range tests {
		evs, err := st.QueryAuditEvents(ctx, auditlog.Filter{Action: tt.action, Repo: "team/app", Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 1 || evs[0].Target != tt.target || evs[0].Outcome != auditlog.OutcomeAllowed || evs[0].Addr == "" {
			t.Errorf("%s events = %+v, want one allowed event for %s with the client address", tt.action, evs, tt.target)
		}
	}
}
