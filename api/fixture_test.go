package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"golang.org/x/crypto/bcrypt"

	"github.com/drydock/drydock/api"
	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/blobstore"
	"github.com/drydock/drydock/registry"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/store/storetest"
)

const pw = "correct horse battery"

// world is an auth service with namespaces, users and robots in every
// role, on a fresh SQLite store, and /token served.
//
//	team   (private): alice reader, wendy writer, max maintainer, nora admin,
//	                  robot$team+ci writer, robot$team+old writer (expired)
//	pub    (public):  nobody
//	other  (private): olga admin
//	root is a system administrator.
type world struct {
	svc     *auth.Service
	st      *store.Store
	audit   *auditlog.Log
	srv     *httptest.Server // serves /token
	secrets map[string]string
	now     func() time.Time // the clock of the service and the audit log
}

var (
	hashOnce sync.Once
	hashed   []byte
)

func newWorld(t *testing.T, opts ...auth.Option) *world {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	w := &world{st: storetest.SQLite(t), secrets: map[string]string{}, now: clock}
	var err error
	w.audit, err = auditlog.New(w.st, auditlog.WithLogger(slog.New(slog.NewJSONHandler(io.Discard, nil))), auditlog.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	base := []auth.Option{auth.WithBcryptCost(10), auth.WithRecorder(w.audit), auth.WithClock(clock)}
	if w.svc, err = auth.New(ctx, w.st, append(base, opts...)...); err != nil {
		t.Fatalf("auth.New: %v", err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	local := auth.Local("test")
	for _, ns := range []struct {
		name   string
		public bool
	}{{"team", false}, {"pub", true}, {"other", false}} {
		must(w.svc.CreateNamespace(ctx, local, ns.name, ns.public))
	}
	hashOnce.Do(func() { hashed, err = bcrypt.GenerateFromPassword([]byte(pw), 10) })
	must(err)
	for _, u := range []struct {
		name, ns string
		role     auth.Role
	}{
		{"alice", "team", auth.RoleReader}, {"wendy", "team", auth.RoleWriter},
		{"max", "team", auth.RoleMaintainer}, {"nora", "team", auth.RoleAdmin},
		{"olga", "other", auth.RoleAdmin}, {"root", "", auth.RoleNone},
	} {
		// One shared hash straight into the store: bcrypt per user per
		// test would dominate the run time (auth tests AddUser itself).
		must(w.st.CreateUser(ctx, auth.User{Name: u.name, PasswordHash: hashed, Admin: u.name == "root", Created: now}))
		w.secrets[u.name] = pw
		if u.ns != "" {
			must(w.svc.PutMember(ctx, local, u.ns, u.name, u.role))
		}
	}
	for _, r := range []struct {
		short string
		exp   time.Duration
	}{{"ci", 90 * 24 * time.Hour}, {"old", time.Hour}} {
		rb, secret, err := w.svc.CreateRobot(ctx, local, "team", r.short, auth.RoleWriter, now.Add(r.exp))
		must(err)
		w.secrets[rb.Name] = secret
	}
	mu.Lock()
	now = now.Add(2 * time.Hour) // robot$team+old is now past its expiry
	mu.Unlock()
	w.srv = httptest.NewServer(w.svc.TokenHandler())
	t.Cleanup(w.srv.Close)
	return w
}

type tokenReply struct {
	status int
	token  string
}

// token asks /token for scopes as user ("" for anonymous).
func (w *world) token(t *testing.T, user string, scopes ...string) tokenReply {
	t.Helper()
	q := url.Values{"service": {"drydock"}, "scope": scopes}
	req, err := http.NewRequest(http.MethodGet, w.srv.URL+"/token?"+q.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, w.secrets[user])
	}
	resp, err := w.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Token string }
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return tokenReply{status: resp.StatusCode, token: body.Token}
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

// apiServer serves /token and the API without a registry.
func apiServer(t *testing.T, w *world) *httptest.Server {
	t.Helper()
	h, err := api.New(w.svc, api.WithAuditLog(w.audit))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/token", w.svc.TokenHandler())
	mux.Handle("/api/v1/", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// drydockRegistry serves /token, drydock's own registry at /v2/ and the
// API with the registry's content at /api/v1/.
func drydockRegistry(t *testing.T, w *world) *httptest.Server {
	t.Helper()
	return drydockRegistryWith(t, w, nil, nil)
}

// drydockRegistryWith is drydockRegistry with regOpts added to the
// registry's options and, when apiOpts is set, the options it returns for
// the registry's service added to the API's.
func drydockRegistryWith(t *testing.T, w *world, regOpts []registry.Option, apiOpts func(*registry.Service) []api.Option) *httptest.Server {
	t.Helper()
	blobs, err := blobstore.NewFilesystem(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	regOpts = append([]registry.Option{registry.WithAuthorizer(w.svc), registry.WithAuditor(w.audit),
		registry.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))}, regOpts...)
	rg, err := registry.New(w.st, blobs, regOpts...)
	if err != nil {
		t.Fatal(err)
	}
	opts := []api.Option{api.WithAuditLog(w.audit), api.WithRegistry(w.st, rg.Service())}
	if apiOpts != nil {
		opts = append(opts, apiOpts(rg.Service())...)
	}
	h, err := api.New(w.svc, opts...)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/token", w.svc.TokenHandler())
	mux.Handle("/v2/", rg)
	mux.Handle("/api/v1/", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() { srv.Close(); rg.Close() })
	return srv
}

type seeded struct{ manifest string }

// pushImage pushes a fresh random image to repo:tag as user.
func pushImage(t *testing.T, w *world, srv *httptest.Server, user, repo, tag string) seeded {
	t.Helper()
	img, err := random.Image(128, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref(t, srv, repo+":"+tag), img, basic(w, user)); err != nil {
		t.Fatalf("seed %s:%s as %s: %v", repo, tag, user, err)
	}
	d, _ := img.Digest()
	return seeded{manifest: d.String()}
}

func ref(t *testing.T, srv *httptest.Server, s string) name.Reference {
	t.Helper()
	r, err := name.ParseReference(strings.TrimPrefix(srv.URL, "http://")+"/"+s, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func basic(w *world, user string) remote.Option {
	return remote.WithAuth(&authn.Basic{Username: user, Password: w.secrets[user]})
}

func do(t *testing.T, srv *httptest.Server, tok, method, path string, body []byte, ct string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}
