package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/drydock/drydock/api"
	"github.com/drydock/drydock/enforce"
)

func TestNamespacePolicyAPI(t *testing.T) {
	w := newWorld(t)
	settings, err := enforce.NewSettings(context.Background(), w.st, enforce.WithAudit(w.audit))
	if err != nil {
		t.Fatal(err)
	}
	h, err := api.New(w.svc, api.WithPolicies(settings))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/api/v1/", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	as := func(user, contentType string) apiClient {
		return apiClient{t, srv, func(r *http.Request) {
			r.SetBasicAuth(user, w.secrets[user])
			if contentType != "" {
				r.Header.Set("Content-Type", contentType)
			}
		}}
	}
	nora, alice, olga, root := as("nora", ""), as("alice", ""), as("olga", ""), as("root", "")
	noraYAML := as("nora", "application/yaml")
	const pol = "apiVersion: drydock/v1\nkind: Policy\nname: team\nseverity: {failOn: high}\n"
	polJSON, _ := json.Marshal(map[string]any{"enforce": true, "policy": pol})
	for _, tt := range []struct {
		name         string
		c            apiClient
		method, path string
		body         string
		want         int
		wantBody     string
	}{
		{"nothing set yet", alice, "GET", "/api/v1/namespaces/team/policy", "", 200, `"enforce":false`},
		{"a namespace admin sets it", nora, "PUT", "/api/v1/namespaces/team/policy", string(polJSON), 200, `"policy_digest":"sha256:`},
		{"members read it", alice, "GET", "/api/v1/namespaces/team/policy", "", 200, `"enforce":true`},
		{"with the YAML", alice, "GET", "/api/v1/namespaces/team/policy", "", 200, `failOn: high`},
		{"a reader may not set it", alice, "PUT", "/api/v1/namespaces/team/policy", `{"enforce":false}`, 403, "FORBIDDEN"},
		{"another namespace's admin may not read it", olga, "GET", "/api/v1/namespaces/team/policy", "", 403, "FORBIDDEN"},
		{"system admins may", root, "GET", "/api/v1/namespaces/team/policy", "", 200, `"policy_name":"team"`},
		{"a policy that does not load", nora, "PUT", "/api/v1/namespaces/team/policy", `{"policy":"severity: {failOn: hihg}"}`, 400, "INVALID"},
		{"VEX files are refused", noraYAML, "PUT", "/api/v1/namespaces/team/policy", "apiVersion: drydock/v1\nkind: Policy\nvex: [/etc/passwd]\n", 400, "cannot name VEX files"},
		{"an empty change", nora, "PUT", "/api/v1/namespaces/team/policy", `{}`, 400, "set enforce, policy or both"},
		{"an unknown field", nora, "PUT", "/api/v1/namespaces/team/policy", `{"enforced":true}`, 400, "unknown field"},
		{"YAML as is", noraYAML, "PUT", "/api/v1/namespaces/team/policy", strings.Replace(pol, "high", "critical", 1), 200, `failOn: critical`},
		{"enforcement stays on", alice, "GET", "/api/v1/namespaces/team/policy", "", 200, `"enforce":true`},
		{"no such namespace", root, "PUT", "/api/v1/namespaces/ghost/policy", `{"enforce":true}`, 404, "NOT_FOUND"},
	} {
		status, body, _ := tt.c.call(tt.method, tt.path, tt.body)
		got, _ := json.Marshal(body)
		if status != tt.want || !strings.Contains(string(got), tt.wantBody) {
			t.Errorf("%s: %s %s = %d %s, want %d with %s", tt.name, tt.method, tt.path, status, got, tt.want, tt.wantBody)
		}
	}
}
