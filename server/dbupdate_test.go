package server_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/crane"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/image/imagetest"
	"github.com/drydock/drydock/server"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/vulndb"
)

// osvFeed serves <base>/Debian/all.zip as the OSV export does (304 to a
// client that has it), or 503 until it has a body.
type osvFeed struct {
	mu   sync.Mutex
	body []byte
}

func (f *osvFeed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.URL.Path != "/Debian/all.zip" || f.body == nil {
		http.Error(w, "not today", http.StatusServiceUnavailable)
		return
	}
	if r.Header.Get("If-None-Match") == `"1"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", `"1"`)
	w.Write(f.body)
}

func (f *osvFeed) set(b []byte) { f.mu.Lock(); f.body = b; f.mu.Unlock() }

// TestScheduledDBUpdate: with dbUpdateEvery set, serve updates its
// vulnerability database from the OSV export by itself. An update that
// fails (the export answers 503) is audited as failed and the image keeps
// its verdict; once the export carries a record naming the image's
// package, the next update imports it, the rematch fails the image that
// passed, and the update is audited.
func TestScheduledDBUpdate(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir := t.TempDir()
	// The database the server starts with lacks the glibc records.
	var advs []*vulndb.Advisory
	for _, name := range []string{"DEBIAN-CVE-2023-46218.json", "GO-2023-2102.json"} {
		advs = append(advs, readAdvisory(t, name))
	}
	dbPath := filepath.Join(dir, "vuln.db")
	if err := vulndb.Build(ctx, dbPath, advs); err != nil {
		t.Fatal(err)
	}
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	w, _ := zw.Create("DEBIAN-CVE-2023-4911.json")
	b, err := os.ReadFile("../match/testdata/osv/DEBIAN-CVE-2023-4911.json")
	if err != nil {
		t.Fatal(err)
	}
	w.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	feed := &osvFeed{}
	fs := httptest.NewServer(feed)
	defer fs.Close()

	dsn := "sqlite:" + filepath.Join(dir, "drydock.db")
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateNamespace(ctx, auth.Namespace{Name: "prod", Created: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := st.PutNamespaceEnforcement(ctx, store.NamespaceEnforcement{Namespace: "prod", Enforce: true, Policy: failHigh, Updated: time.Now()}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	srv, err := server.New(ctx, server.Config{Addr: "127.0.0.1:0", DataDir: dir, Anonymous: true, VulnDB: dbPath, Workers: 1,
		DBUpdateEvery: time.Second, DBUpdateURL: fs.URL, DBUpdateEcosystems: []string{"Debian"}},
		slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	addrc, errc := make(chan string, 1), make(chan error, 1)
	go func() { errc <- srv.Serve(sctx, io.Discard, func(a string) { addrc <- a }) }()
	defer func() { cancel(); <-errc; srv.Close() }()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-errc:
		t.Fatalf("Serve: %v", err)
	}

	img := imagetest.Image(t, imagetest.Step{Layer: imagetest.Layer(t,
		imagetest.File{Name: "etc/os-release", Body: "ID=debian\nVERSION_ID=\"12\"\n"},
		imagetest.File{Name: "var/lib/dpkg/status", Body: "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nSource: glibc\nVersion: 2.36-9+deb12u1\nDescription: libc\n\n"},
	)})
	if err := crane.Push(img, addr+"/prod/app:1", crane.Insecure); err != nil {
		t.Fatal(err)
	}
	d, _ := img.Digest()
	status := func() store.VerdictStatus {
		v, err := srv.Store().GetVerdict(ctx, "prod", d.String())
		if err != nil {
			return ""
		}
		return v.Status
	}
	updates := func(outcome string) []auditlog.Event {
		es, err := srv.Store().QueryAuditEvents(ctx, auditlog.Filter{Actor: "db-update", Action: "db.update", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var out []auditlog.Event
		for _, e := range es {
			if e.Outcome == outcome {
				out = append(out, e)
			}
		}
		return out
	}
	waitFor(t, "the scan on push to pass the image", func() bool { return status() == store.VerdictPass })
	waitFor(t, "a failed update in the audit log", func() bool { return len(updates(auditlog.OutcomeFailed)) > 0 })
	if e := updates(auditlog.OutcomeFailed)[0]; !strings.Contains(e.Reason, "503") || e.Target != dbPath {
		t.Errorf("failed update's audit event = %+v, want the 503 and the database path", e)
	}
	if got := status(); got != store.VerdictPass {
		t.Fatalf("verdict after a failed update = %s, want pass (the old database in use)", got)
	}
	if db, err := vulndb.Open(ctx, dbPath); err != nil {
		t.Fatalf("database after a failed update: %v", err)
	} else {
		advs, _ := db.Advisories(ctx, "Debian:12", "glibc")
		db.Close()
		if len(advs) != 0 {
			t.Fatalf("a failed update changed the database: %d glibc advisories", len(advs))
		}
	}

	feed.set(zb.Bytes())
	waitFor(t, "the rematch after the scheduled update to fail the image", func() bool { return status() == store.VerdictFail })
	if ok := updates(auditlog.OutcomeAllowed); len(ok) == 0 || !strings.Contains(ok[0].Reason, "1 records imported") {
		t.Errorf("successful update's audit events = %+v, want one with 1 record imported", ok)
	}
}

func readAdvisory(t *testing.T, name string) *vulndb.Advisory {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("../match/testdata/osv", name))
	if err != nil {
		t.Fatal(err)
	}
	var a vulndb.Advisory
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatal(err)
	}
	return &a
}

// waitFor polls cond until it holds or 60 seconds pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
