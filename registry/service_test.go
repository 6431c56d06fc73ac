package registry_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/crane"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/blobstore"
	"github.com/drydock/drydock/registry"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/store/storetest"
)

// testGate refuses the digests in refuse with msg, or fails with err. It is
// a real registry.Gate written for the test; enforcement's own Gate has
// its own tests.
type testGate struct {
	mu     sync.Mutex
	refuse map[digest.Digest]bool
	retry  time.Duration
	msg    string
	err    error
}

func (g *testGate) answer(d digest.Digest) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.err != nil {
		return g.err
	}
	if g.refuse[d] {
		return &registry.Refusal{Message: g.msg, RetryAfter: g.retry}
	}
	return nil
}

func (g *testGate) MayServeManifest(_ context.Context, _ string, d digest.Digest, _ auth.Principal) error {
	return g.answer(d)
}
func (g *testGate) MayServeBlob(_ context.Context, _ string, d digest.Digest, _ auth.Principal) error {
	return g.answer(d)
}
func (g *testGate) MayTag(_ context.Context, _, _ string, d digest.Digest, _ auth.Principal) error {
	return g.answer(d)
}

// eventLog is a Listener keeping what it is told.
type eventLog struct {
	mu  sync.Mutex
	evs []registry.Event
}

func (l *eventLog) Notify(_ context.Context, e registry.Event) {
	l.mu.Lock()
	l.evs = append(l.evs, e)
	l.mu.Unlock()
}

func (l *eventLog) count(kind registry.EventKind, d digest.Digest) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, e := range l.evs {
		if e.Kind == kind && (d == "" || e.Digest == d) {
			n++
		}
	}
	return n
}

func newGatedServer(t *testing.T, g registry.Gate, ls ...registry.Listener) (*httptest.Server, *registry.Registry) {
	t.Helper()
	return newGatedServerOn(t, storetest.SQLite(t), g, ls...)
}

func newGatedServerOn(t *testing.T, st *store.Store, g registry.Gate, ls ...registry.Listener) (*httptest.Server, *registry.Registry) {
	t.Helper()
	blobs, err := blobstore.NewFilesystem(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	opts := []registry.Option{registry.WithAnonymousAccess(), registry.WithGate(g),
		registry.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))}
	for _, l := range ls {
		opts = append(opts, registry.WithListener(l))
	}
	rg, err := registry.New(st, blobs, opts...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rg)
	t.Cleanup(func() { srv.Close(); rg.Close() })
	return srv, rg
}

// TestGateRefusal: a refused image answers 403 DENIED with the gate's
// message to crane (GET and HEAD) and skopeo, its layers are refused too,
// and each refusal is published.
func TestGateRefusal(t *testing.T) {
	g := &testGate{refuse: map[digest.Digest]bool{}, msg: "CVE-2024-3094 (xz-utils 5.6.0, fixed in 5.6.1) fails policy prod", retry: 30 * time.Second}
	events := &eventLog{}
	srv, rg := newGatedServer(t, g, events)
	img, _ := random.Image(1024, 1)
	ref := host(srv) + "/team/app:v1"
	if err := crane.Push(img, ref, crane.Insecure); err != nil {
		t.Fatal(err)
	}
	d, _ := img.Digest()
	layers, _ := img.Layers()
	ld, _ := layers[0].Digest()
	g.mu.Lock()
	g.refuse[digest.Digest(d.String())] = true
	g.refuse[digest.Digest(ld.String())] = true
	g.mu.Unlock()

	_, err := crane.Pull(ref, crane.Insecure)
	var te *transport.Error
	if !errors.As(err, &te) || te.StatusCode != 403 || len(te.Errors) == 0 || te.Errors[0].Code != transport.DeniedErrorCode || te.Errors[0].Message != g.msg {
		t.Errorf("crane pull = %v, want 403 DENIED %q", err, g.msg)
	}
	if _, err := crane.Head(host(srv)+"/team/app@"+d.String(), crane.Insecure); !errors.As(err, &te) || te.StatusCode != 403 {
		t.Errorf("crane HEAD by digest = %v, want 403", err)
	}
	status, h, code, body := do(t, srv, call{"GET", "/v2/team/app/manifests/v1", nil, ""})
	if status != 403 || code != "DENIED" || h.Get("Retry-After") != "30" || !strings.Contains(string(body), g.msg) {
		t.Errorf("GET manifest = %d %s Retry-After %q %s; want 403 DENIED, 30, the message", status, code, h.Get("Retry-After"), body)
	}
	if status, _, _, _ := do(t, srv, call{"HEAD", "/v2/team/app/manifests/v1", nil, ""}); status != 403 {
		t.Errorf("HEAD manifest by tag = %d, want 403", status)
	}
	for _, m := range []string{"GET", "HEAD"} {
		if status, _, _, _ := do(t, srv, call{m, "/v2/team/app/blobs/" + ld.String(), nil, ""}); status != 403 {
			t.Errorf("%s of the refused layer = %d, want 403", m, status)
		}
	}
	if skopeo, err := exec.LookPath("skopeo"); err == nil {
		out, err := exec.Command(skopeo, "inspect", "--tls-verify=false", "docker://"+ref).CombinedOutput()
		if err == nil || !strings.Contains(string(out), g.msg) {
			t.Errorf("skopeo inspect = %v\n%s\nwant a failure naming %q", err, out, g.msg)
		}
	} else {
		t.Log("skopeo not installed (scripts/test.sh installs it); crane only")
	}
	// A push moving a tag to a refused digest is refused too.
	raw, _ := img.RawManifest()
	mt, _ := img.MediaType()
	if status, _, code, body := do(t, srv, call{"PUT", "/v2/team/app/manifests/v2", map[string]string{"Content-Type": string(mt)}, string(raw)}); status != 403 || code != "DENIED" {
		t.Errorf("push of a refused digest under a new tag = %d %s %s, want 403 DENIED", status, code, body)
	}
	rg.Close()
	if n := events.count(registry.EventPullDenied, ""); n < 5 {
		t.Errorf("%d pull-denied events, want one per refusal (at least 5)", n)
	}
	if n := events.count(registry.EventPushDenied, digest.Digest(d.String())); n != 1 {
		t.Errorf("%d push-denied events, want 1", n)
	}
	if n := events.count(registry.EventManifestPulled, ""); n != 0 {
		t.Errorf("%d pulled events for refused pulls, want 0", n)
	}
}

// TestGateFailureClosed: a gate that cannot answer makes the registry
// refuse with 503, never serve.
func TestGateFailureClosed(t *testing.T) {
	g := &testGate{refuse: map[digest.Digest]bool{}}
	events := &eventLog{}
	srv, rg := newGatedServer(t, g, events)
	img, _ := random.Image(512, 1)
	if err := crane.Push(img, host(srv)+"/team/app:v1", crane.Insecure); err != nil {
		t.Fatal(err)
	}
	g.mu.Lock()
	g.err = errors.New("verdict store unreachable")
	g.mu.Unlock()
	for _, m := range []string{"GET", "HEAD"} {
		status, _, code, body := do(t, srv, call{m, "/v2/team/app/manifests/v1", nil, ""})
		if status != http.StatusServiceUnavailable || (m == "GET" && code != "UNAVAILABLE") {
			t.Errorf("%s with a failing gate = %d %s %s, want 503 UNAVAILABLE", m, status, code, body)
		}
		if strings.Contains(string(body), "verdict store unreachable") {
			t.Errorf("the internal cause leaked to the client: %s", body)
		}
	}
	rg.Close()
	if n := events.count(registry.EventPullDenied, ""); n != 2 {
		t.Errorf("%d pull-denied events, want 2", n)
	}
}

// TestListenerEvents: push, pull, tag delete and manifest delete each reach
// a listener exactly once; HEAD is not a pull.
func TestListenerEvents(t *testing.T) {
	events := &eventLog{}
	srv, rg := newGatedServer(t, registry.OpenGate{}, events)
	img, _ := random.Image(512, 2)
	if err := crane.Push(img, host(srv)+"/team/app:v1", crane.Insecure); err != nil {
		t.Fatal(err)
	}
	d, _ := img.Digest()
	dg := digest.Digest(d.String())
	steps := []call{
		{"GET", "/v2/team/app/manifests/v1", nil, ""},
		{"HEAD", "/v2/team/app/manifests/v1", nil, ""},
		{"DELETE", "/v2/team/app/manifests/v1", nil, ""},
		{"DELETE", "/v2/team/app/manifests/" + d.String(), nil, ""},
	}
	for _, c := range steps {
		if status, _, _, body := do(t, srv, c); status >= 300 {
			t.Fatalf("%s %s = %d %s", c.method, c.path, status, body)
		}
	}
	rg.Close()
	for _, k := range []registry.EventKind{registry.EventManifestPushed, registry.EventManifestPulled, registry.EventTagDeleted, registry.EventManifestDeleted} {
		if n := events.count(k, dg); n != 1 {
			t.Errorf("%s events for %s = %d, want 1", k, d, n)
		}
	}
	events.mu.Lock()
	defer events.mu.Unlock()
	for _, e := range events.evs {
		if e.Repo != "team/app" || e.Time.IsZero() || e.Addr == "" {
			t.Errorf("event %+v lacks repo, time or address", e)
		}
		if e.Kind == registry.EventManifestPushed && (e.Tag != "v1" || e.MediaType == "") {
			t.Errorf("push event %+v, want tag v1 and the media type", e)
		}
	}
}
