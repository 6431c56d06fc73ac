package auth_test

import (
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/drydock/drydock/auth"
)

// gate puts an Authorizer in front of go-containerregistry's in-memory
// registry, mapping each request to a repository and action the way a
// registry does. It lets these tests run real clients through the whole
// token dance; the matrix against drydock's own registry lives beside it.
//
// go-containerregistry's registry keeps blobs in one global pool, so a
// cross-repository mount cannot be observed through it; the matrix test
// covers the two Authorize calls a mount makes.
type gate struct {
	az   auth.Authorizer
	next http.Handler
}

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	repo, actions := route(r)
	if _, err := g.az.Authorize(r, repo, actions...); err != nil {
		answer(w, err)
		return
	}
	g.next.ServeHTTP(w, r)
}

func route(r *http.Request) (string, []string) {
	p := strings.TrimPrefix(r.URL.Path, "/v2/")
	switch p {
	case "", "/":
		return "", nil
	case "_catalog":
		return "", []string{"*"}
	}
	for _, kind := range []string{"/manifests/", "/blobs/", "/tags/", "/referrers/"} {
		if i := strings.Index(p, kind); i > 0 {
			p = p[:i]
			break
		}
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		return p, []string{auth.ActionPull}
	case http.MethodDelete:
		return p, []string{auth.ActionDelete}
	}
	return p, []string{auth.ActionPush}
}

func answer(w http.ResponseWriter, err error) {
	var ch interface{ Challenge() string }
	var dn interface{ Denied() bool }
	switch {
	case errors.As(err, &dn) && dn.Denied():
		http.Error(w, `{"errors":[{"code":"DENIED"}]}`, http.StatusForbidden)
	case errors.As(err, &ch):
		w.Header().Set("WWW-Authenticate", ch.Challenge())
		http.Error(w, `{"errors":[{"code":"UNAUTHORIZED"}]}`, http.StatusUnauthorized)
	default:
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

// gatedRegistry serves /token and the gated registry on one server.
func gatedRegistry(t *testing.T, w *world) *httptest.Server {
	t.Helper()
	g := &gate{az: w.svc, next: registry.New(registry.Logger(log.New(io.Discard, "", 0)))}
	mux := http.NewServeMux()
	mux.Handle("/token", w.svc.TokenHandler())
	mux.Handle("/v2/", g)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func ref(t *testing.T, srv *httptest.Server, repo string) name.Reference {
	t.Helper()
	if !strings.Contains(repo, ":") {
		repo += ":v1"
	}
	r, err := name.ParseReference(strings.TrimPrefix(srv.URL, "http://")+"/"+repo, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func basic(w *world, user string) remote.Option {
	if user == "" {
		return remote.WithAuth(authn.Anonymous)
	}
	return remote.WithAuth(&authn.Basic{Username: user, Password: w.secrets[user]})
}

func statusOf(err error) int {
	var te *transport.Error
	if errors.As(err, &te) {
		return te.StatusCode
	}
	return 0
}

func TestGoContainerRegistryTokenDance(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	srv := gatedRegistry(t, w)
	img, err := random.Image(512, 2)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := img.Digest()

	writes := []struct {
		user, repo string
		wantStatus int // 0 success
	}{
		{"wendy", "team/app", 0},
		{"robot$team+ci", "team/ci", 0},
		{"root", "pub/base", 0},
		{"alice", "team/app", http.StatusForbidden},
		{"", "team/app", http.StatusUnauthorized},
		{"olga", "team/app", http.StatusForbidden},
		{"robot$team+old", "team/app", http.StatusUnauthorized},
	}
	for _, tt := range writes {
		// A refused writer gets an image of its own: pushing one that is
		// already there needs only pull.
		pushed := img
		if tt.wantStatus != 0 {
			if pushed, err = random.Image(256, 1); err != nil {
				t.Fatal(err)
			}
		}
		err := remote.Write(ref(t, srv, tt.repo), pushed, basic(w, tt.user))
		if got := statusOf(err); got != tt.wantStatus || (tt.wantStatus == 0 && err != nil) {
			t.Errorf("push %s as %q: status %d (%v), want %d", tt.repo, tt.user, got, err, tt.wantStatus)
		}
	}
	reads := []struct {
		user, repo string
		wantStatus int
	}{
		{"alice", "team/app", 0},
		{"robot$team+ci", "team/app", 0},
		{"", "pub/base", 0},
		{"olga", "pub/base", 0},
		{"", "team/app", http.StatusUnauthorized},
		{"olga", "team/app", http.StatusForbidden},
	}
	for _, tt := range reads {
		got, err := remote.Image(ref(t, srv, tt.repo), basic(w, tt.user))
		if st := statusOf(err); st != tt.wantStatus || (tt.wantStatus == 0 && err != nil) {
			t.Errorf("pull %s as %q: status %d (%v), want %d", tt.repo, tt.user, st, err, tt.wantStatus)
			continue
		}
		if err == nil {
			if d, _ := got.Digest(); d != want {
				t.Errorf("pull %s as %q: digest %s, want %s", tt.repo, tt.user, d, want)
			}
		}
	}

}
