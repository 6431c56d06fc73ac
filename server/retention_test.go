package server_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/crane"
	"github.com/google/go-containerregistry/pkg/v1/random"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/server"
	"github.com/drydock/drydock/store"
)

// TestScheduledRetention: with retentionEvery set, serve applies the rules
// by itself and audits each deletion as the retention job's.
func TestScheduledRetention(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "drydock.db")
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutRetentionRule(ctx, store.RetentionRule{Scope: "team", KeepLast: 1}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	addr, _, stop := serveUntilCancel(t, server.Config{Addr: "127.0.0.1:0", DataDir: dir, Anonymous: true, RetentionEvery: time.Second})
	img, _ := random.Image(128, 1)
	for _, tag := range []string{"a", "b", "c"} {
		if err := crane.Push(img, addr+"/team/app:"+tag, crane.Insecure); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
	}
	var tags []string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if tags, err = crane.ListTags(addr+"/team/app", crane.Insecure); err != nil || len(tags) == 1 {
			break
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if strings.Join(tags, ",") != "c" {
		t.Fatalf("tags after scheduled retention = %v, %v; want [c]", tags, err)
	}
	st, err = store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	es, err := st.QueryAuditEvents(ctx, auditlog.Filter{Actor: "retention", Action: "delete", Limit: 10})
	if err != nil || len(es) != 2 {
		t.Errorf("retention's audit events = %+v, %v; want the 2 deletions", es, err)
	}
	runs, err := st.QueryAuditEvents(ctx, auditlog.Filter{Actor: "retention", Action: "retention.apply", Limit: 100})
	deleting := 0
	for _, r := range runs {
		if !strings.HasPrefix(r.Reason, "deleted 0 ") {
			deleting++
		}
	}
	if err != nil || deleting == 0 {
		t.Errorf("retention runs in the audit log = %+v, %v; want one that deleted tags", runs, err)
	}
}
