package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/drydock/drydock/auth"
)

// apiClient calls the REST API as one caller.
type apiClient struct {
	t    *testing.T
	srv  *httptest.Server
	auth func(*http.Request)
}

func (c apiClient) call(method, path, body string) (int, map[string]any, http.Header) {
	c.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.srv.URL+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.auth != nil {
		c.auth(req)
	}
	resp, err := c.srv.Client().Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			c.t.Fatalf("%s %s: body is not JSON: %s", method, path, raw)
		}
	}
	return resp.StatusCode, out, resp.Header
}

func TestAPI(t *testing.T) {
	w := newWorld(t)
	srv := apiServer(t, w)

	basicAs := func(user string) apiClient {
		return apiClient{t, srv, func(r *http.Request) { r.SetBasicAuth(user, w.secrets[user]) }}
	}
	bearerAs := func(user string) apiClient {
		tok := w.token(t, user, auth.APIScope).token // the API checks rights itself
		return apiClient{t, srv, func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }}
	}
	nobody := apiClient{t: t, srv: srv}
	root, nora, alice, anon := basicAs("root"), bearerAs("nora"), bearerAs("alice"), bearerAs("")
	// A token fetched for the registry, as a pull leaves one behind in
	// a client's config, is not an API credential.
	pullTok := w.token(t, "nora", "repository:team/app:pull").token
	pullToken := apiClient{t, srv, func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+pullTok) }}

	tests := []struct {
		name       string
		c          apiClient
		method     string
		path, body string
		want       int
		wantBody   string // substring of the JSON answer
	}{
		{"no credentials", nobody, "GET", "/api/v1/namespaces", "", 401, "UNAUTHORIZED"},
		{"registry token cannot list", pullToken, "GET", "/api/v1/namespaces", "", 401, "UNAUTHORIZED"},
		{"registry token cannot make robots", pullToken, "POST", "/api/v1/namespaces/team/robots", `{"name":"evil","role":"admin"}`, 401, "UNAUTHORIZED"},
		{"registry token cannot grant roles", pullToken, "PUT", "/api/v1/namespaces/team/members/alice", `{"role":"admin"}`, 401, "UNAUTHORIZED"},
		{"registry token cannot change the password", pullToken, "PUT", "/api/v1/users/nora/password", `{"password":"taken over by a token"}`, 401, "UNAUTHORIZED"},
		{"anonymous sees public namespaces", anon, "GET", "/api/v1/namespaces", "", 200, `"pub"`},
		{"root creates a namespace", root, "POST", "/api/v1/namespaces", `{"name":"ops","public":true}`, 201, `"ops"`},
		{"again", root, "POST", "/api/v1/namespaces", `{"name":"ops"}`, 409, "EXISTS"},
		{"bad name", root, "POST", "/api/v1/namespaces", `{"name":"Ops!"}`, 400, "invalid namespace name"},
		{"unknown field", root, "POST", "/api/v1/namespaces", `{"name":"x","pubic":true}`, 400, "unknown field"},
		{"not JSON", root, "POST", "/api/v1/namespaces", `name=x`, 400, "request body"},
		{"too large", root, "POST", "/api/v1/namespaces", `{"name":"` + strings.Repeat("a", 70<<10) + `"}`, 413, "TOO_LARGE"},
		{"ns admin cannot create namespaces", nora, "POST", "/api/v1/namespaces", `{"name":"mine"}`, 403, "FORBIDDEN"},
		{"ns admin adds a member", nora, "PUT", "/api/v1/namespaces/team/members/olga", `{"role":"reader"}`, 200, `"reader"`},
		{"unknown role", nora, "PUT", "/api/v1/namespaces/team/members/olga", `{"role":"boss"}`, 400, "unknown role"},
		{"reader cannot add members", alice, "PUT", "/api/v1/namespaces/team/members/olga", `{"role":"admin"}`, 403, "FORBIDDEN"},
		{"members listed", alice, "GET", "/api/v1/namespaces/team/members", "", 200, `"olga"`},
		{"missing namespace, to an admin", root, "GET", "/api/v1/namespaces/ghost/members", "", 404, "NOT_FOUND"},
		{"missing namespace, to an outsider", nora, "GET", "/api/v1/namespaces/ghost/members", "", 403, "only members see ghost's members"},
		{"existing namespace, to an outsider", nora, "GET", "/api/v1/namespaces/other/members", "", 403, "only members see other's members"},
		{"robots of a missing namespace, to an outsider", nora, "GET", "/api/v1/namespaces/ghost/robots", "", 403, "needs an admin of namespace ghost"},
		{"robots of an existing one, to an outsider", nora, "GET", "/api/v1/namespaces/other/robots", "", 403, "needs an admin of namespace other"},
		{"ns admin makes team public", nora, "PATCH", "/api/v1/namespaces/team", `{"public":true}`, 200, `"public":true`},
		{"empty patch", nora, "PATCH", "/api/v1/namespaces/team", `{}`, 400, "nothing to change"},
		{"robot with a past expiry", nora, "POST", "/api/v1/namespaces/team/robots", `{"name":"late","role":"reader","expires_at":"2000-01-01T00:00:00Z"}`, 400, "in the past"},
		{"robots listed without secrets", nora, "GET", "/api/v1/namespaces/team/robots", "", 200, `"robot$team+ci"`},
		{"reader cannot list robots", alice, "GET", "/api/v1/namespaces/team/robots", "", 403, "FORBIDDEN"},
		{"robot deleted", nora, "DELETE", "/api/v1/namespaces/team/robots/old", "", 204, ""},
		{"member removed", nora, "DELETE", "/api/v1/namespaces/team/members/olga", "", 204, ""},
		{"root adds a user", root, "POST", "/api/v1/users", `{"name":"dave","password":"long enough password"}`, 201, `"dave"`},
		{"short password", root, "POST", "/api/v1/users", `{"name":"erin","password":"short"}`, 400, "too short"},
		{"users are for admins", alice, "GET", "/api/v1/users", "", 403, "FORBIDDEN"},
		{"users listed", root, "GET", "/api/v1/users", "", 200, `"dave"`},
		{"not someone else's", nora, "PUT", "/api/v1/users/alice/password", `{"password":"nora was here!!"}`, 403, "FORBIDDEN"},
		{"root resets it", root, "PUT", "/api/v1/users/dave/password", `{"password":"another long one"}`, 204, ""},
		{"user deleted", root, "DELETE", "/api/v1/users/dave", "", 204, ""},
		{"audit log for admins", root, "GET", "/api/v1/audit-log?actor=nora&action=member.put", "", 200, `"target":"olga"`},
		{"audit log not for others", alice, "GET", "/api/v1/audit-log", "", 403, "FORBIDDEN"},
		{"NUL in a path", root, "DELETE", "/api/v1/users/a%00b", "", 400, "control characters"},
		{"invalid UTF-8 in a path", nora, "PUT", "/api/v1/namespaces/team/members/%FF", `{"role":"reader"}`, 400, "invalid UTF-8"},
		{"escape in a query", root, "GET", "/api/v1/audit-log?actor=%1B%5B2J", "", 400, "query parameter"},
		{"bad since", root, "GET", "/api/v1/audit-log?since=yesterday", "", 400, "RFC 3339"},
		{"bad outcome", root, "GET", "/api/v1/audit-log?outcome=maybe", "", 400, "outcome"},
		{"own password needs the current one", alice, "PUT", "/api/v1/users/alice/password", `{"password":"alice's new passphrase"}`, 400, "current_password"},
		{"wrong current password", alice, "PUT", "/api/v1/users/alice/password", `{"password":"alice's new passphrase","current_password":"not it at all"}`, 403, "current password is wrong"},
		{"alice changes her password", alice, "PUT", "/api/v1/users/alice/password", `{"password":"alice's new passphrase","current_password":"` + pw + `"}`, 204, ""},
		{"her old token is revoked", alice, "GET", "/api/v1/namespaces", "", 401, "UNAUTHORIZED"},
		{"openapi document", nobody, "GET", "/api/v1/openapi.json", "", 200, `"openapi":"3.0.3"`},
		{"unknown path", nobody, "GET", "/api/v1/nonsense", "", 404, "no route GET /api/v1/nonsense"},
		{"unknown method", root, "DELETE", "/api/v1/namespaces", "", 404, `"code":"NOT_FOUND"`},
		{"robot lifetime as the CLI writes it", nora, "POST", "/api/v1/namespaces/team/robots", `{"name":"month","role":"reader","expires":"30d"}`, 201, `"expires_at":"` + w.now().Add(30*24*time.Hour).Format("2006-01-02")},
		{"robot with the CLI's default lifetime", nora, "POST", "/api/v1/namespaces/team/robots", `{"name":"default","role":"reader"}`, 201, `"expires_at":"` + w.now().Add(90*24*time.Hour).Format("2006-01-02")},
		{"robot that never expires", nora, "POST", "/api/v1/namespaces/team/robots", `{"name":"forever","role":"reader","expires":"never"}`, 201, `"name":"robot$team+forever"`},
		{"bad lifetime", nora, "POST", "/api/v1/namespaces/team/robots", `{"name":"odd","role":"reader","expires":"soon"}`, 400, "not a duration"},
		{"two expiries", nora, "POST", "/api/v1/namespaces/team/robots", `{"name":"odd","role":"reader","expires":"1d","expires_at":"2999-01-01T00:00:00Z"}`, 400, "not both"},
	}
	for _, tt := range tests {
		status, body, hdr := tt.c.call(tt.method, tt.path, tt.body)
		if status != tt.want {
			t.Errorf("%s: %s %s = %d %v, want %d", tt.name, tt.method, tt.path, status, body, tt.want)
			continue
		}
		if tt.want == 401 && (!strings.HasPrefix(hdr.Get("WWW-Authenticate"), "Bearer realm=") || !strings.Contains(hdr.Get("WWW-Authenticate"), `scope="api:v1:*"`)) {
			t.Errorf("%s: WWW-Authenticate %q, want a Bearer challenge", tt.name, hdr.Get("WWW-Authenticate"))
		}
		got, _ := json.Marshal(body)
		if !strings.Contains(string(got), tt.wantBody) {
			t.Errorf("%s: answer %s lacks %s", tt.name, got, tt.wantBody)
		}
		if tt.method != "POST" && !strings.HasSuffix(tt.path, "openapi.json") && strings.Contains(string(got), `"secret"`) {
			t.Errorf("%s: answer carries a secret: %s", tt.name, got)
		}
	}

	// A robot made through the API logs in with the secret it answered.
	status, body, _ := nora.call("POST", "/api/v1/namespaces/team/robots", `{"name":"deploy","role":"writer"}`)
	secret, _ := body["secret"].(string)
	if status != 201 || secret == "" || body["name"] != "robot$team+deploy" {
		t.Fatalf("create robot = %d %v, want 201 with name and secret", status, body)
	}
	w.secrets["robot$team+deploy"] = secret
	if r := w.token(t, "robot$team+deploy", "repository:team/app:push"); r.status != 200 {
		t.Errorf("robot from the API cannot log in: %d", r.status)
	}
	// Failed Basic logins on the API count against the same limit.
	bad := apiClient{t, srv, func(r *http.Request) { r.SetBasicAuth("root", "wrong password!") }}
	if status, _, _ := bad.call("GET", "/api/v1/users", ""); status != 401 {
		t.Errorf("wrong password on the API: %d, want 401", status)
	}
}
