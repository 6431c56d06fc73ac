package server_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/server"
)

// apiCall sends one request to the served API; set adds the credentials.
func apiCall(t *testing.T, base, method, path, body string, set func(*http.Request)) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if set != nil {
		set(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func basicAuth(user, pw string) func(*http.Request) {
	return func(r *http.Request) { r.SetBasicAuth(user, pw) }
}

// bearer fetches an API token from /token: the API checks rights itself.
func bearer(t *testing.T, base, user, pw string) func(*http.Request) {
	t.Helper()
	status, body := apiCall(t, base, "GET", "/token?service=drydock&scope=api:v1:*", "", basicAuth(user, pw))
	var tok struct{ Token string }
	if err := json.Unmarshal([]byte(body), &tok); status != 200 || err != nil || tok.Token == "" {
		t.Fatalf("token for %s: %d %s", user, status, body)
	}
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok.Token) }
}

// TestServeMountsAPI checks that `drydock serve` answers /api/v1/ — the
// account routes and the registry's artifacts — and that an artifact
// deleted through the API is gone from /v2/.
func TestServeMountsAPI(t *testing.T) {
	t.Parallel()
	for dbName, dsn := range databases {
		t.Run(dbName, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			_, hs := start(t, server.Config{DataDir: dir, Database: dsn(t, dir), AdminPassword: adminPW})
			admin := basicAuth(auth.AdminUser, adminPW)
			const bobPW = "bob's long password"
			setup := []struct{ method, path, body string }{
				{"POST", "/api/v1/namespaces", `{"name":"team"}`},
				{"POST", "/api/v1/users", `{"name":"bob","password":"` + bobPW + `"}`},
				{"PUT", "/api/v1/namespaces/team/members/bob", `{"role":"reader"}`},
			}
			for _, s := range setup {
				if status, body := apiCall(t, hs.URL, s.method, s.path, s.body, admin); status >= 300 {
					t.Fatalf("%s %s = %d %s", s.method, s.path, status, body)
				}
			}
			ref, _ := name.NewTag(strings.TrimPrefix(hs.URL, "http://")+"/team/app:v1", name.Insecure)
			img, _ := random.Image(512, 1)
			adminOpt := remote.WithAuth(&authn.Basic{Username: auth.AdminUser, Password: adminPW})
			if err := remote.Write(ref, img, adminOpt); err != nil {
				t.Fatalf("push: %v", err)
			}
			d, _ := img.Digest()
			bob := bearer(t, hs.URL, "bob", bobPW)
			art := "/api/v1/repositories/team/app/artifacts/" + d.String()

			tests := []struct {
				name, method, path string
				as                 func(*http.Request)
				want               int
				wantBody           string
			}{
				{"openapi document", "GET", "/api/v1/openapi.json", nil, 200, `"/api/v1/repositories/{ns}/{repo}/artifacts"`},
				{"reader lists repositories", "GET", "/api/v1/repositories", bob, 200, `"name":"team/app","artifact_count":1,"tag_count":1`},
				{"reader lists artifacts", "GET", "/api/v1/repositories/team/app/artifacts", bob, 200, d.String()},
				{"no credentials", "GET", "/api/v1/repositories", nil, 401, "UNAUTHORIZED"},
				{"reader may not delete", "DELETE", art, bob, 403, "FORBIDDEN"},
				{"bad digest", "DELETE", "/api/v1/repositories/team/app/artifacts/sha256:beef", admin, 400, "sha256:beef"},
				{"admin deletes", "DELETE", art, admin, 204, ""},
				{"then it is gone", "GET", art, bob, 404, "NOT_FOUND"},
			}
			for _, tt := range tests {
				status, body := apiCall(t, hs.URL, tt.method, tt.path, "", tt.as)
				if status != tt.want || !strings.Contains(body, tt.wantBody) {
					t.Errorf("%s: %s %s = %d %s, want %d with %s", tt.name, tt.method, tt.path, status, body, tt.want, tt.wantBody)
				}
			}
			byDigest, _ := name.NewDigest(strings.TrimPrefix(hs.URL, "http://")+"/team/app@"+d.String(), name.Insecure)
			for _, r := range []name.Reference{byDigest, ref} {
				_, err := remote.Get(r, adminOpt)
				var terr *transport.Error
				if !errors.As(err, &terr) || terr.StatusCode != http.StatusNotFound {
					t.Errorf("pull of %s after the API deleted it = %v, want 404", r, err)
				}
			}
		})
	}
}

// TestAnonymousServerHasNoAPI: without auth there are no accounts to
// manage and no caller to check rights for, so /api/v1/ is not served.
func TestAnonymousServerHasNoAPI(t *testing.T) {
	t.Parallel()
	_, hs := start(t, server.Config{DataDir: t.TempDir(), Anonymous: true})
	if status, body := apiCall(t, hs.URL, "GET", "/api/v1/repositories", "", nil); status != http.StatusNotFound {
		t.Errorf("GET /api/v1/repositories in anonymous mode = %d %s, want 404", status, body)
	}
}
