package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/crane"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/blobstore"
	"github.com/drydock/drydock/registry"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/store/storetest"
	"github.com/drydock/drydock/webhook"
)

const secret = "a secret of some length"

// receiver is a loopback endpoint that checks every signature and answers
// the statuses in fail first, then 204.
type receiver struct {
	mu     sync.Mutex
	fail   []int
	bodies [][]byte
	bad    int // requests whose signature or content type was wrong
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if !webhook.Verify(secret, body, r.Header.Get(webhook.SignatureHeader)) || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/cloudevents+json") {
		rc.bad++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if len(rc.fail) > 0 {
		w.WriteHeader(rc.fail[0])
		rc.fail = rc.fail[1:]
		return
	}
	rc.bodies = append(rc.bodies, body)
	w.WriteHeader(http.StatusNoContent)
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newSender(t *testing.T, st *store.Store) *webhook.Sender {
	t.Helper()
	s, err := webhook.New(st, webhook.WithLogger(quiet()), webhook.WithRetry(5*time.Millisecond, 20*time.Millisecond, 4))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sendUntil calls SendDue until cond holds or a second passes.
func sendUntil(t *testing.T, s *webhook.Sender, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if _, err := s.SendDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		if cond() {
			return
		}
	}
	t.Fatal("condition not reached within a second")
}

// TestRetryThenDelivered: two 500s, then success; the signature is checked
// by the receiver, the delivery log shows three attempts, and a body is a
// CloudEvents 1.0 envelope.
func TestRetryThenDelivered(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		rc := &receiver{fail: []int{500, 500}}
		srv := httptest.NewServer(rc)
		defer srv.Close()
		s := newSender(t, st)
		ep, err := s.AddEndpoint(ctx, auth.Principal{}, "team", srv.URL+"/hook", secret, []string{webhook.TypeVerdictChanged})
		if err != nil {
			t.Fatal(err)
		}
		data := map[string]string{"from": "pass", "to": "fail"}
		if err := s.Publish(ctx, "team", webhook.TypeVerdictChanged, "team/app@sha256:ab", data); err != nil {
			t.Fatal(err)
		}
		// Types the endpoint did not ask for, and other namespaces, queue nothing.
		if err := s.Publish(ctx, "team", webhook.TypePush, "x", nil); err != nil {
			t.Fatal(err)
		}
		if err := s.Publish(ctx, "other", webhook.TypeVerdictChanged, "x", nil); err != nil {
			t.Fatal(err)
		}
		sendUntil(t, s, func() bool { rc.mu.Lock(); defer rc.mu.Unlock(); return len(rc.bodies) == 1 })
		log, err := s.Deliveries(ctx, ep.ID, 10)
		if err != nil || len(log) != 1 || log[0].State != "delivered" || log[0].Attempts != 3 || log[0].LastStatus != 204 {
			t.Fatalf("delivery log = %+v, %v; want one delivered after 3 attempts", log, err)
		}
		var ce struct {
			SpecVersion, ID, Source, Type, Subject, DataContentType string
			Time                                                    time.Time
			Data                                                    map[string]string
		}
		if err := json.Unmarshal(rc.bodies[0], &ce); err != nil {
			t.Fatal(err)
		}
		if ce.SpecVersion != "1.0" || ce.ID == "" || ce.Source != "/drydock/namespaces/team" || ce.Type != "dev.drydock.verdict.changed" ||
			ce.Subject != "team/app@sha256:ab" || ce.Time.IsZero() || ce.Data["to"] != "fail" {
			t.Errorf("event = %+v", ce)
		}
		if rc.bad != 0 {
			t.Errorf("%d requests with a bad signature", rc.bad)
		}
	})
}

// TestGiveUpAndSurviveRestart: an endpoint that always fails is given up
// after the last attempt with its error kept; a delivery queued before a
// "restart" (a new Sender on the same store) is sent by the new one.
func TestGiveUpAndSurviveRestart(t *testing.T) {
	st := storetest.SQLite(t)
	ctx := context.Background()
	rc := &receiver{fail: []int{503, 503, 503, 503, 503}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	first := newSender(t, st)
	ep, err := first.AddEndpoint(ctx, auth.Principal{}, "team", srv.URL, secret, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Publish(ctx, "team", webhook.TypeScanCompleted, "team/app@sha256:1", map[string]int{"critical": 1}); err != nil {
		t.Fatal(err)
	}
	sendUntil(t, first, func() bool {
		log, _ := first.Deliveries(ctx, ep.ID, 1)
		return len(log) == 1 && log[0].State == "failed"
	})
	log, _ := first.Deliveries(ctx, ep.ID, 1)
	if log[0].Attempts != 4 || log[0].LastStatus != 503 || !strings.Contains(log[0].LastError, "HTTP 503") {
		t.Errorf("given-up delivery = %+v, want 4 attempts, 503 and its error", log[0])
	}

	if err := first.Publish(ctx, "team", webhook.TypeScanCompleted, "team/app@sha256:2", nil); err != nil {
		t.Fatal(err)
	}
	second := newSender(t, st) // the first is gone; the outbox row is not
	rc.mu.Lock()
	rc.fail = nil
	rc.mu.Unlock()
	sendUntil(t, second, func() bool { rc.mu.Lock(); defer rc.mu.Unlock(); return len(rc.bodies) == 1 })
	if !strings.Contains(string(rc.bodies[0]), "sha256:2") {
		t.Errorf("delivered %s, want the event queued before the restart", rc.bodies[0])
	}
}

// TestRegistryEvents: a push to the registry and a gate refusal reach the
// namespace's endpoint through the Listener.
func TestRegistryEvents(t *testing.T) {
	st := storetest.SQLite(t)
	ctx := context.Background()
	rc := &receiver{}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	s := newSender(t, st)
	if _, err := s.AddEndpoint(ctx, auth.Principal{}, "team", hook.URL, secret, []string{webhook.TypePush, webhook.TypePullDenied}); err != nil {
		t.Fatal(err)
	}
	blobs, _ := blobstore.NewFilesystem(t.TempDir())
	gate := &refuseTag{}
	rg, err := registry.New(st, blobs, registry.WithAnonymousAccess(), registry.WithLogger(quiet()),
		registry.WithGate(gate), registry.WithListener(s.Listener()))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rg)
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	img, _ := random.Image(256, 1)
	if err := crane.Push(img, host+"/team/app:v1", crane.Insecure); err != nil {
		t.Fatal(err)
	}
	gate.refuse()
	if _, err := crane.Pull(host+"/team/app:v1", crane.Insecure); err == nil {
		t.Fatal("pull passed a refusing gate")
	}
	rg.Close()
	sendUntil(t, s, func() bool { rc.mu.Lock(); defer rc.mu.Unlock(); return len(rc.bodies) == 2 })
	d, _ := img.Digest()
	for i, want := range []string{`"type":"dev.drydock.push"`, `"type":"dev.drydock.pull.denied"`} {
		if b := string(rc.bodies[i]); !strings.Contains(b, want) || !strings.Contains(b, d.String()) {
			t.Errorf("event %d = %s, want %s about %s", i, b, want, d)
		}
	}
	if !strings.Contains(string(rc.bodies[1]), "under investigation") {
		t.Errorf("pull.denied event lacks the reason: %s", rc.bodies[1])
	}
}

func TestBadEndpoints(t *testing.T) {
	s := newSender(t, storetest.SQLite(t))
	tests := []struct {
		name, ns, url, secret string
		events                []string
	}{
		{"no scheme", "team", "hooks.example/x", secret, nil},
		{"ftp", "team", "ftp://hooks.example/x", secret, nil},
		{"credentials in url", "team", "https://u:p@hooks.example/x", secret, nil},
		{"short secret", "team", "https://hooks.example/x", "short", nil},
		{"unknown event", "team", "https://hooks.example/x", secret, []string{"push", "tag.moved"}},
		{"bad namespace", "team/app", "https://hooks.example/x", secret, nil},
	}
	for _, tt := range tests {
		_, err := s.AddEndpoint(context.Background(), auth.Principal{}, tt.ns, tt.url, tt.secret, tt.events)
		var ie interface{ InvalidInput() bool }
		if !errors.As(err, &ie) || !ie.InvalidInput() {
			t.Errorf("%s: AddEndpoint = %v, want an input error", tt.name, err)
		}
	}
	if err := s.RemoveEndpoint(context.Background(), auth.Principal{}, 42); !errors.Is(err, webhook.ErrNotFound) {
		t.Errorf("RemoveEndpoint(42) = %v, want ErrNotFound", err)
	}
}

// refuseTag is a registry.Gate written for the test: it allows everything
// until refuse is called, then refuses every manifest.
type refuseTag struct {
	mu sync.Mutex
	on bool
}

func (g *refuseTag) refuse() { g.mu.Lock(); g.on = true; g.mu.Unlock() }

func (g *refuseTag) MayServeManifest(context.Context, string, digest.Digest, auth.Principal) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.on {
		return &registry.Refusal{Message: "image under investigation"}
	}
	return nil
}
func (g *refuseTag) MayServeBlob(context.Context, string, digest.Digest, auth.Principal) error {
	return nil
}
func (g *refuseTag) MayTag(context.Context, string, string, digest.Digest, auth.Principal) error {
	return nil
}

// TestRun: the sender's loop delivers a published event by itself, woken
// by Publish rather than waiting for its poll.
func TestRun(t *testing.T) {
	st := storetest.SQLite(t)
	rc := &receiver{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	s, err := webhook.New(st, webhook.WithLogger(quiet()), webhook.WithPollInterval(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	if _, err := s.AddEndpoint(ctx, auth.Principal{}, "team", srv.URL, secret, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Publish(ctx, "team", webhook.TypePush, "team/app@sha256:1", nil); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		rc.mu.Lock()
		n := len(rc.bodies)
		rc.mu.Unlock()
		if n == 1 {
			return
		}
	}
	t.Fatal("Run did not deliver the event within 5 s (its poll is an hour: Publish must wake it)")
}
