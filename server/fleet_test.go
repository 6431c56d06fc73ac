package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/crane"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/fleet"
	"github.com/drydock/drydock/image/imagetest"
	"github.com/drydock/drydock/vulndb"
	"github.com/drydock/drydock/vulndb/vulndbtest"
	"github.com/drydock/drydock/webhook"
)

// auditHook is team's webhook endpoint: it keeps the audit events whose
// signature checks.
type auditHook struct {
	mu     sync.Mutex
	events []map[string]any
}

const auditHookSecret = "a secret of some length"

func (h *auditHook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var ev map[string]any
	if !webhook.Verify(auditHookSecret, b, r.Header.Get(webhook.SignatureHeader)) || json.Unmarshal(b, &ev) != nil {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	h.mu.Lock()
	h.events = append(h.events, ev)
	h.mu.Unlock()
}

// ofType is the events of type "dev.drydock." + typ received so far.
func (h *auditHook) ofType(typ string) []map[string]any {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []map[string]any
	for _, ev := range h.events {
		if ev["type"] == "dev.drydock."+typ {
			out = append(out, ev)
		}
	}
	return out
}

// auditServer serves drydock with an inventory file naming team/app:1.2,
// a Debian image whose glibc is below the fix of CVE-2023-4911 pushed
// there, a database that does not know that CVE yet, and team's webhook
// asking for the audit events. It returns the server, the database's path
// and the receiver; the server stops when the test ends.
func auditServer(t *testing.T, every time.Duration) (*Server, string, *auditHook) {
	t.Helper()
	ctx := t.Context()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "vuln.db")
	if err := vulndb.Build(ctx, dbPath, []*vulndb.Advisory{vulndbtest.Advisory(t, "DEBIAN-CVE-2023-46218"), vulndbtest.Advisory(t, "GO-2023-2102")}); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	inv := filepath.Join(dir, "production.yaml")
	if err := os.WriteFile(inv, []byte("images:\n  - image: "+addr+"/team/app:1.2\n    workload: web\n    kind: Deployment\n    namespace: shop\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := New(ctx, Config{Addr: addr, DataDir: dir, Anonymous: true, VulnDB: dbPath, AuditEvery: every, AuditInventory: inv},
		slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	hook := &auditHook{}
	hs := httptest.NewServer(hook)
	t.Cleanup(hs.Close)
	if _, err := s.hooks.AddEndpoint(ctx, auth.Principal{}, "team", hs.URL, auditHookSecret, []string{webhook.TypeAuditVulnerability, webhook.TypeAuditCompleted}); err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() { errc <- s.ServeListener(sctx, ln, io.Discard, nil) }()
	t.Cleanup(func() { cancel(); <-errc; s.Close() })
	img := imagetest.Image(t, imagetest.Step{Layer: imagetest.Layer(t,
		imagetest.File{Name: "etc/os-release", Body: "ID=debian\nVERSION_ID=\"12\"\n"},
		imagetest.File{Name: "var/lib/dpkg/status", Body: "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nSource: glibc\nVersion: 2.36-9+deb12u1\nDescription: libc\n\n"},
	)})
	if err := crane.Push(img, addr+"/team/app:1.2", crane.Insecure); err != nil {
		t.Fatal(err)
	}
	return s, dbPath, hook
}

// addGlibcRecord replaces the database file with one that also holds
// CVE-2023-4911, as db update does (a new file renamed over the old).
func addGlibcRecord(t *testing.T, dbPath string) {
	t.Helper()
	next := dbPath + ".next"
	advs := []*vulndb.Advisory{vulndbtest.Advisory(t, "DEBIAN-CVE-2023-46218"), vulndbtest.Advisory(t, "GO-2023-2102"), vulndbtest.Advisory(t, "DEBIAN-CVE-2023-4911")}
	if err := vulndb.Build(t.Context(), next, advs); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(next, dbPath); err != nil {
		t.Fatal(err)
	}
}

// waitFor polls cond every 20 ms for up to d.
func waitFor(d time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// lastAudit is the last stored report that saw the image, nil if none.
func lastAudit(t *testing.T, s *Server) *fleet.Report {
	rep, err := s.auditor.Last(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if rep == nil || len(rep.Images) != 1 || rep.Images[0].Packages == 0 {
		return nil
	}
	return rep
}

// wantGlibcEvent checks team's one audit.vulnerability event: about
// CVE-2023-4911, naming team/app and the Deployment running it.
func wantGlibcEvent(t *testing.T, s *Server, hook *auditHook) {
	t.Helper()
	if !waitFor(15*time.Second, func() bool { return len(hook.ofType(webhook.TypeAuditVulnerability)) > 0 }) {
		rep, _ := s.auditor.Last(t.Context())
		t.Fatalf("no audit.vulnerability event reached team's webhook; events: %v; last audit: %+v", hook.events, rep)
	}
	evs := hook.ofType(webhook.TypeAuditVulnerability)
	data, _ := json.Marshal(evs[0]["data"])
	var got struct {
		Images []struct {
			Repositories []string
			Digest       string
		}
		Workloads []fleet.Workload
	}
	json.Unmarshal(data, &got)
	web := fleet.Workload{Kind: "Deployment", Namespace: "shop", Name: "web"}
	if len(evs) != 1 || !strings.Contains(evs[0]["subject"].(string), "CVE-2023-4911") || len(got.Images) != 1 ||
		!slices.Equal(got.Images[0].Repositories, []string{"team/app"}) || !slices.Equal(got.Workloads, []fleet.Workload{web}) {
		t.Errorf("audit.vulnerability events = %v; want one about CVE-2023-4911 naming team/app run by Deployment shop/web (data %s)", evs, data)
	}
}

// TestFleetAuditOnSchedule: with auditEvery, serve audits the inventory by
// itself; once the database learns CVE-2023-4911, the next scheduled audit
// reports it as new and team's webhook receives one audit.vulnerability
// event for it, and audits after that find nothing new. Each audit is
// recorded in the audit log.
func TestFleetAuditOnSchedule(t *testing.T) {
	t.Parallel()
	s, dbPath, hook := auditServer(t, time.Second)
	var first *fleet.Report
	if !waitFor(30*time.Second, func() bool { first = lastAudit(t, s); return first != nil }) {
		t.Fatal("no scheduled audit saw the pushed image within 30s")
	}
	if len(first.New) != 0 || first.Counts.Total() != 0 {
		t.Fatalf("audit before the database update: new %+v, counts %+v; want nothing", first.New, first.Counts)
	}
	addGlibcRecord(t, dbPath)
	s.vulndb.recheck() // rather than wait for the 10-second look at the file
	wantGlibcEvent(t, s, hook)
	id := lastAudit(t, s).ID
	if !waitFor(10*time.Second, func() bool { r := lastAudit(t, s); return r != nil && r.ID >= id+2 }) {
		t.Fatalf("the schedule stopped after audit %d", id)
	}
	if n := len(hook.ofType(webhook.TypeAuditVulnerability)); n != 1 {
		t.Errorf("%d audit.vulnerability events after two more audits, want still 1", n)
	}
	if len(hook.ofType(webhook.TypeAuditCompleted)) < 2 {
		t.Errorf("audit.completed events = %d, want one per audit", len(hook.ofType(webhook.TypeAuditCompleted)))
	}
	resp, err := http.Get("http://" + s.cfg.Addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`drydock_fleet_findings{severity="high"} 1`, "drydock_fleet_running_images 1", `drydock_fleet_audits_total{outcome="ok"}`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	evs, err := s.st.QueryAuditEvents(t.Context(), auditlog.Filter{Action: "fleet.audit"})
	if err != nil || len(evs) < 2 || evs[0].Actor != "fleet-audit" {
		t.Errorf("fleet.audit events in the audit log = %+v, %v; want one per audit by fleet-audit", evs, err)
	}
}

// TestFleetAuditAfterRematch: without a schedule, a database update is
// followed by a rematch and then an audit, which reports CVE-2023-4911
// and sends its event. The start-up audit (after the first, full rematch;
// it may fail when it runs before the image is pushed, as the inventory's
// tag is not there yet) is waited for first, so the event can only come
// from the audit that follows the update.
func TestFleetAuditAfterRematch(t *testing.T) {
	t.Parallel()
	s, dbPath, hook := auditServer(t, 0)
	audits := func() int {
		evs, err := s.st.QueryAuditEvents(t.Context(), auditlog.Filter{Action: "fleet.audit"})
		if err != nil {
			t.Fatal(err)
		}
		return len(evs)
	}
	if !waitFor(30*time.Second, func() bool { return audits() > 0 }) {
		t.Fatal("no audit after the start-up rematch within 30s")
	}
	before := audits()
	if n := len(hook.ofType(webhook.TypeAuditVulnerability)); n != 0 {
		t.Fatalf("before the update: %d audit.vulnerability events, want none", n)
	}
	addGlibcRecord(t, dbPath)
	s.vulndb.recheck()
	s.dbUpdated <- struct{}{} // what a scheduled update does once it replaced the file
	wantGlibcEvent(t, s, hook)
	if rep := lastAudit(t, s); rep == nil || rep.Counts.High == 0 {
		t.Errorf("stored audit = %+v; want the image with CVE-2023-4911 counted", rep)
	}
	// The audit log records an audit after its webhook events are queued.
	if !waitFor(10*time.Second, func() bool { return audits() > before }) {
		t.Errorf("fleet.audit events: %d before the update, %d after; want the update's own audit", before, audits())
	}
}

// TestFleetAuditPolicyThatDoesNotLoad: an auditPolicy file that is not
// there stops start-up with a ConfigError naming auditPolicy, before any
// audit runs under the wrong thresholds.
func TestFleetAuditPolicyThatDoesNotLoad(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "vuln.db")
	if err := vulndb.Build(t.Context(), dbPath, []*vulndb.Advisory{vulndbtest.Advisory(t, "GO-2023-2102")}); err != nil {
		t.Fatal(err)
	}
	cfg := Config{Addr: "127.0.0.1:0", DataDir: dir, Anonymous: true, VulnDB: dbPath, AuditInventory: filepath.Join(dir, "production.yaml"),
		AuditPolicy: filepath.Join(dir, "missing-policy.yaml")}
	s, err := New(t.Context(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard)
	if err == nil {
		s.Close()
		t.Fatal("New with an auditPolicy that does not exist succeeded")
	}
	var ce *ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "auditPolicy") || !strings.Contains(err.Error(), "missing-policy.yaml") {
		t.Fatalf("New: %v, want a ConfigError naming auditPolicy and the file", err)
	}
}
