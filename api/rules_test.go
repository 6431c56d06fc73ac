package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/drydock/drydock/api"
	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/registry"
	"github.com/drydock/drydock/webhook"
)

// rulesServer is drydockRegistry with the rule and webhook routes served.
func rulesServer(t *testing.T, w *world, hooks *webhook.Sender) *httptest.Server {
	t.Helper()
	return drydockRegistryWith(t, w, []registry.Option{registry.WithListener(hooks.Listener())},
		func(svc *registry.Service) []api.Option {
			return []api.Option{api.WithRules(svc), api.WithWebhooks(hooks)}
		})
}

// TestRuleAndWebhookRoutes: namespace admins manage immutable tag rules,
// retention rules and webhooks; others are refused; an immutable tag
// cannot be deleted through the API; a push reaches a webhook whose
// delivery log the API shows.
func TestRuleAndWebhookRoutes(t *testing.T) {
	w := newWorld(t)
	var mu sync.Mutex
	var got []string
	hook := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if webhook.Verify("sixteen chars or more", b, r.Header.Get(webhook.SignatureHeader)) {
			mu.Lock()
			got = append(got, string(b))
			mu.Unlock()
		}
	}))
	defer hook.Close()
	hooks, err := webhook.New(w.st, webhook.WithAuditor(w.audit), webhook.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	srv := rulesServer(t, w, hooks)
	as := func(user string) apiClient {
		tok := w.token(t, user, auth.APIScope).token
		return apiClient{t, srv, func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }}
	}
	max, nora, olga, root := as("max"), as("nora"), as("olga"), as("root")
	img := pushImage(t, w, srv, "root", "team/app", "v1")
	hookBody := fmt.Sprintf(`{"url":%q,"secret":"sixteen chars or more","events":["push"]}`, hook.URL)

	tests := []struct {
		name     string
		c        apiClient
		method   string
		path     string
		body     string
		want     int
		wantBody string
	}{
		{"admin adds a rule", nora, "POST", "/api/v1/namespaces/team/immutable-tags", `{"pattern":"v*"}`, 201, `"pattern":"v*"`},
		{"twice", nora, "POST", "/api/v1/namespaces/team/immutable-tags", `{"pattern":"v*"}`, 409, "EXISTS"},
		{"bad pattern", nora, "POST", "/api/v1/namespaces/team/immutable-tags", `{"pattern":"v/1"}`, 400, "tag pattern"},
		{"maintainer may not", max, "POST", "/api/v1/namespaces/team/immutable-tags", `{"pattern":"x"}`, 403, "FORBIDDEN"},
		{"outsider may not list", olga, "GET", "/api/v1/namespaces/team/immutable-tags", "", 403, "FORBIDDEN"},
		{"admin lists", nora, "GET", "/api/v1/namespaces/team/immutable-tags", "", 200, `"pattern":"v*"`},
		{"immutable tag not deleted", max, "DELETE", "/api/v1/repositories/team/app/tags/v1", "", 403, "immutable"},
		{"nor its artifact", max, "DELETE", "/api/v1/repositories/team/app/artifacts/" + img.manifest, "", 403, "immutable"},
		{"rule removed", nora, "DELETE", "/api/v1/namespaces/team/immutable-tags/v%2A", "", 204, ""},
		{"missing rule", nora, "DELETE", "/api/v1/namespaces/team/immutable-tags/v%2A", "", 404, "NOT_FOUND"},
		{"namespace retention", nora, "PUT", "/api/v1/retention/team", `{"keep_last":3,"keep_days":30}`, 200, `"scope":"team"`},
		{"repository retention", nora, "PUT", "/api/v1/retention/team/app", `{"keep_last":1}`, 200, `"scope":"team/app"`},
		{"empty rule", nora, "PUT", "/api/v1/retention/team", `{}`, 400, "keep the last N"},
		{"unknown field", nora, "PUT", "/api/v1/retention/team", `{"keep":1}`, 400, "unknown field"},
		{"outsider may not set", olga, "PUT", "/api/v1/retention/team", `{"keep_last":1}`, 403, "FORBIDDEN"},
		{"only system admins list all", nora, "GET", "/api/v1/retention", "", 403, "FORBIDDEN"},
		{"system admin lists", root, "GET", "/api/v1/retention", "", 200, `"scope":"team/app"`},
		{"repository rule removed", nora, "DELETE", "/api/v1/retention/team/app", "", 204, ""},
		{"missing retention rule", nora, "DELETE", "/api/v1/retention/team/app", "", 404, "NOT_FOUND"},
		{"webhook added", nora, "POST", "/api/v1/namespaces/team/webhooks", hookBody, 201, `"events":["push"]`},
		{"short secret", nora, "POST", "/api/v1/namespaces/team/webhooks", `{"url":"https://x/y","secret":"short"}`, 400, "secret"},
		{"outsider may not add", olga, "POST", "/api/v1/namespaces/team/webhooks", hookBody, 403, "FORBIDDEN"},
		{"listed without its secret", nora, "GET", "/api/v1/namespaces/team/webhooks", "", 200, hook.URL},
		{"another namespace's webhook", olga, "GET", "/api/v1/namespaces/other/webhooks/1/deliveries", "", 404, "NOT_FOUND"},
		{"bad id", nora, "GET", "/api/v1/namespaces/team/webhooks/x/deliveries", "", 400, "webhook id"},
	}
	for _, tt := range tests {
		status, body, _ := tt.c.call(tt.method, tt.path, tt.body)
		if status != tt.want || !strings.Contains(jsonText(t, body), tt.wantBody) {
			t.Errorf("%s: %s %s = %d %v, want %d with %q", tt.name, tt.method, tt.path, status, body, tt.want, tt.wantBody)
		}
		if strings.Contains(jsonText(t, body), "sixteen chars") {
			t.Errorf("%s: the answer shows the webhook secret: %v", tt.name, body)
		}
	}

	// A push reaches the webhook; the delivery log says so.
	pushed := pushImage(t, w, srv, "root", "team/app", "v2")
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := hooks.SendDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	if len(got) != 1 || !strings.Contains(got[0], pushed.manifest) || !strings.Contains(got[0], `"type":"dev.drydock.push"`) {
		t.Errorf("webhook received %v, want one push event for %s", got, pushed.manifest)
	}
	mu.Unlock()
	status, body, _ := nora.call("GET", "/api/v1/namespaces/team/webhooks/1/deliveries", "")
	if s := jsonText(t, body); status != 200 || !strings.Contains(s, `"state":"delivered"`) || !strings.Contains(s, `"attempts":1`) {
		t.Errorf("delivery log = %d %s, want one delivered", status, s)
	}
	if status, _, _ := nora.call("DELETE", "/api/v1/namespaces/team/webhooks/1", ""); status != 204 {
		t.Errorf("DELETE webhook = %d, want 204", status)
	}
	if es := w.events(t, auditFilter("webhook.add")); len(es) != 1 || es[0].Actor != "nora" {
		t.Errorf("webhook.add audit events = %+v, want nora's", es)
	}
}

// jsonText is an answer as JSON text again, for substring checks.
func jsonText(t *testing.T, body map[string]any) string {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func auditFilter(action string) auditlog.Filter {
	return auditlog.Filter{Action: action, Outcome: auditlog.OutcomeAllowed, Limit: 10}
}
