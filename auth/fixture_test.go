package auth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/store/storetest"
)

// clock is a settable time source shared by the service and the audit log.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

const pw = "correct horse battery"

// world is a service with namespaces, users and robots in every role.
type world struct {
	svc     *auth.Service
	st      *store.Store
	audit   *auditlog.Log
	clock   *clock
	srv     *httptest.Server // serves /token
	secrets map[string]string
}

var local = auth.Local("test")

var (
	hashOnce sync.Once
	hashed   []byte
)

func pwHash(t testing.TB) []byte {
	hashOnce.Do(func() {
		var err error
		if hashed, err = bcrypt.GenerateFromPassword([]byte(pw), 10); err != nil {
			t.Fatal(err)
		}
	})
	return hashed
}

// newWorld builds the fixture on a fresh SQLite store:
//
//	team   (private): alice reader, wendy writer, max maintainer, nora admin,
//	                  robot$team+ci writer, robot$team+old writer (expired)
//	pub    (public):  nobody
//	other  (private): olga admin
//	root is a system administrator.
func newWorld(t testing.TB, opts ...auth.Option) *world {
	t.Helper()
	return newWorldOn(t, storetest.SQLite(t), opts...)
}

// newWorldOn builds the fixture on st, an empty migrated store.
func newWorldOn(t testing.TB, st *store.Store, opts ...auth.Option) *world {
	t.Helper()
	ctx := t.Context()
	w := &world{st: st, clock: &clock{t: time.Now().UTC()}, secrets: map[string]string{}}
	var err error
	w.audit, err = auditlog.New(w.st, auditlog.WithLogger(slog.New(slog.NewJSONHandler(io.Discard, nil))), auditlog.WithClock(w.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	base := []auth.Option{auth.WithBcryptCost(10), auth.WithRecorder(w.audit), auth.WithClock(w.clock.Now)}
	w.svc, err = auth.New(ctx, w.st, append(base, opts...)...)
	if err != nil {
		t.Fatalf("auth.New: %v", err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, ns := range []struct {
		name   string
		public bool
	}{{"team", false}, {"pub", true}, {"other", false}} {
		must(w.svc.CreateNamespace(ctx, local, ns.name, ns.public))
	}
	for _, u := range []struct {
		name, ns string
		role     auth.Role
	}{
		{"alice", "team", auth.RoleReader}, {"wendy", "team", auth.RoleWriter},
		{"max", "team", auth.RoleMaintainer}, {"nora", "team", auth.RoleAdmin},
		{"olga", "other", auth.RoleAdmin}, {"root", "", auth.RoleNone},
	} {
		// Users go straight into the store with one shared hash: bcrypt
		// for each of them in every test would dominate the run time.
		// AddUser itself is tested in accounts_test.go.
		must(w.st.CreateUser(ctx, auth.User{Name: u.name, PasswordHash: pwHash(t), Admin: u.name == "root", Created: w.clock.Now()}))
		w.secrets[u.name] = pw
		if u.ns != "" {
			must(w.svc.PutMember(ctx, local, u.ns, u.name, u.role))
		}
	}
	for _, r := range []struct {
		short string
		exp   time.Duration
	}{{"ci", 90 * 24 * time.Hour}, {"old", time.Hour}} {
		rb, secret, err := w.svc.CreateRobot(ctx, local, "team", r.short, auth.RoleWriter, w.clock.Now().Add(r.exp))
		must(err)
		w.secrets[rb.Name] = secret
	}
	// robot$team+old is now past its expiry.
	w.clock.Add(2 * time.Hour)
	mux := http.NewServeMux()
	mux.Handle("/token", w.svc.TokenHandler())
	w.srv = httptest.NewServer(mux)
	t.Cleanup(w.srv.Close)
	return w
}

type tokenReply struct {
	status     int
	token      string
	body       map[string]any
	retryAfter string
	header     http.Header
}

// token asks /token for scopes as user ("" for anonymous) with the
// fixture's secret for that user.
func (w *world) token(t testing.TB, user string, scopes ...string) tokenReply {
	t.Helper()
	return w.tokenWith(t, user, w.secrets[user], scopes...)
}

func (w *world) tokenWith(t testing.TB, user, secret string, scopes ...string) tokenReply {
	t.Helper()
	q := url.Values{"service": {"drydock"}, "scope": scopes}
	req, err := http.NewRequest(http.MethodGet, w.srv.URL+"/token?"+q.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, secret)
	}
	resp, err := w.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := tokenReply{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), header: resp.Header}
	if err := json.NewDecoder(bytes.NewReader(raw)).Decode(&r.body); err != nil {
		t.Fatalf("token reply is not JSON: %v: %s", err, raw)
	}
	r.token, _ = r.body["token"].(string)
	return r
}

// request builds a registry request carrying the bearer token (none if "").
func request(tok string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "http://registry.test/v2/", nil)
	if tok != "" {
		r.Header.Set("Authorization", "Bearer "+tok)
	}
	return r
}

// events returns the audit events matching f.
func (w *world) events(t *testing.T, f auditlog.Filter) []auditlog.Event {
	t.Helper()
	es, err := w.audit.Query(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return es
}
