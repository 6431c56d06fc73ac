package trust_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/crane"
	"github.com/google/go-containerregistry/pkg/v1/random"

	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/internal/registrytest"
)

// TestProtectionAPI manages protection over /api/v1 as the system admin;
// the namespace's own admin may read it but not change it, and her crane
// push into the protected namespace is refused.
func TestProtectionAPI(t *testing.T) {
	ctx := context.Background()
	reg := registrytest.Start(t)
	svc := reg.Server.Auth()
	if err := svc.CreateNamespace(ctx, admin, "prod", false); err != nil {
		t.Fatal(err)
	}
	if err := svc.AddUser(ctx, admin, "alice", "alice password 123", false); err != nil {
		t.Fatal(err)
	}
	if err := svc.PutMember(ctx, admin, "prod", "alice", auth.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	ci := newKey(t)
	call := func(user, pw, method, path, ctype, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, "http://"+reg.Host+path, bytes.NewBufferString(body))
		req.SetBasicAuth(user, pw)
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	pemJSON, _ := json.Marshal(map[string]string{"public_key": string(ci.pem)})
	const base = "/api/v1/namespaces/prod/protection"
	for _, c := range []struct {
		user, method, path, ctype, body string
		want                            int
		contains                        string
	}{
		{"alice", "PUT", base, "application/json", `{"protected":true}`, 403, "system administrator"},
		{"admin", "PUT", base, "application/json", `{"protected":true}`, 200, `"protected":true`},
		{"admin", "PUT", base, "application/json", `{}`, 400, "protected is required"},
		{"admin", "PUT", base, "application/json", `{"protected":true,"source_repos":["https://git.example/a"]}`, 200, `"source_repos":["https://git.example/a"]`},
		{"admin", "PUT", base, "application/json", `{"protected":true,"source_repos":[""]}`, 400, "empty source repository"},
		{"alice", "GET", base, "", "", 200, `"source_repos":["https://git.example/a"]`},
		{"admin", "PUT", base, "application/json", `{"protected":true}`, 200, `"source_repos":["https://git.example/a"]`},
		{"admin", "PUT", base, "application/json", `{"protected":true,"source_repos":[]}`, 200, `"source_repos":[]`},
		{"admin", "PUT", base + "/keys/ci", "application/json", string(pemJSON), 200, `"name":"ci"`},
		{"admin", "PUT", base + "/keys/junk", "application/x-pem-file", "not a key", 400, "junk"},
		{"alice", "DELETE", base + "/keys/ci", "", "", 403, "system administrator"},
		{"alice", "GET", base, "", "", 200, `"fingerprint":"`},
		{"admin", "PUT", "/api/v1/namespaces/ghost/protection", "application/json", `{"protected":true}`, 404, "ghost"},
	} {
		pw := registrytest.AdminPassword
		if c.user == "alice" {
			pw = "alice password 123"
		}
		code, body := call(c.user, pw, c.method, c.path, c.ctype, c.body)
		if code != c.want || !strings.Contains(body, c.contains) {
			t.Errorf("%s %s %s as %s: %d %s; want %d with %q", c.method, c.path, c.body, c.user, code, body, c.want, c.contains)
		}
	}
	img, _ := random.Image(128, 1)
	err := crane.Push(img, reg.Host+"/prod/app:1", crane.Insecure, crane.WithAuth(&authn.Basic{Username: "alice", Password: "alice password 123"}))
	if err == nil || !strings.Contains(err.Error(), "protected") {
		t.Errorf("the namespace admin's crane push: %v, want refused", err)
	}
	if code, body := call("admin", registrytest.AdminPassword, "DELETE", base+"/keys/ci", "", ""); code != 204 {
		t.Errorf("DELETE key: %d %s", code, body)
	}
}
