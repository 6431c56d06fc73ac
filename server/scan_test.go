package server_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/crane"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/image/imagetest"
	"github.com/drydock/drydock/server"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/vulndb/vulndbtest"
)

// TestScanOnPushServer pushes an image with crane's library to the whole
// assembled server, on SQLite and PostgreSQL: the registry's listener
// queues the scan, a worker stores SBOM and verdict, the webhook-free
// server shows the queue in its metrics.
func TestScanOnPushServer(t *testing.T) {
	t.Parallel()
	for dbName, dsn := range databases {
		t.Run(dbName, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			vdb := vulndbtest.FixturePath(t)
			srv, hs := start(t, server.Config{DataDir: dir, Database: dsn(t, dir), Anonymous: true, VulnDB: vdb, Workers: 2})
			ctx := t.Context()
			if err := srv.Jobs().Start(ctx); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { srv.Jobs().Stop(context.Background()) })
			img := imagetest.Image(t, imagetest.Step{Layer: imagetest.Layer(t,
				imagetest.File{Name: "etc/os-release", Body: "ID=debian\nVERSION_ID=\"12\"\n"},
				imagetest.File{Name: "var/lib/dpkg/status", Body: "Package: libc6\nStatus: install ok installed\nSource: glibc\nVersion: 2.36-9+deb12u1\n\n"},
			)})
			host := strings.TrimPrefix(hs.URL, "http://")
			if err := crane.Push(img, host+"/team/app:1", crane.Insecure); err != nil {
				t.Fatal(err)
			}
			d, _ := img.Digest()
			var v *store.Verdict
			for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
				var err error
				if v, err = srv.Store().GetVerdict(ctx, "team", d.String()); err == nil && v.Status != store.VerdictPending {
					break
				}
			}
			if v == nil || v.Status != store.VerdictPass || v.Counts.High != 1 || v.DBVersion == "" {
				t.Fatalf("verdict after push = %+v; want a pass (default policy) counting CVE-2023-4911", v)
			}
			if _, err := srv.Store().GetSBOM(ctx, d.String()); err != nil {
				t.Errorf("SBOM: %v", err)
			}
			// The audit log is written through a queue: wait for the scan's event.
			var evs []auditlog.Event
			for deadline := time.Now().Add(10 * time.Second); len(evs) == 0 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
				var err error
				if evs, err = srv.Store().QueryAuditEvents(ctx, auditlog.Filter{Action: "scan", Repo: "team/app"}); err != nil {
					t.Fatal(err)
				}
			}
			if len(evs) != 1 || evs[0].Target != d.String() || evs[0].Outcome != auditlog.OutcomeAllowed {
				t.Errorf("audit events of the scan = %+v; want one allowed for %s", evs, d)
			}
			resp, err := http.Get(hs.URL + "/metrics")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			for _, want := range []string{`drydock_jobs_queued{state="available"}`, "drydock_jobs_queue_wait_seconds_count", "drydock_jobs_failures_total"} {
				if !strings.Contains(string(body), want) {
					t.Errorf("/metrics lacks %s", want)
				}
			}
		})
	}
}
