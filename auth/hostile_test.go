package auth_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/store/storetest"
)

// TestHostileNamesAndScopes: account names and scopes with control
// characters or invalid UTF-8 are refused before the store (on PostgreSQL
// a NUL or \xff used to answer 500, unaudited), counted by the limiter,
// and audited with the name escaped, so no forged line reaches the trail.
func TestHostileNamesAndScopes(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		const burst = 4
		w := newWorldOn(t, st, auth.WithLoginLimit(burst, time.Minute))
		names := []string{
			"root\n2026-11-30T00:00:00Z  admin  delete  team/app",
			"nul\x00name", "bad\xffutf8", "esc\x1b[2Jclear", "tab\tname",
		}
		ask := func(user, scope string) int {
			q := url.Values{"service": {"drydock"}}
			if scope != "" {
				q.Set("scope", scope)
			}
			req := httptest.NewRequest(http.MethodGet, "http://registry.test/token?"+q.Encode(), nil)
			req.RemoteAddr = "10.9.9.9:5000"
			if user != "" {
				req.SetBasicAuth(user, "whatever it is")
			}
			rec := httptest.NewRecorder()
			w.svc.TokenHandler().ServeHTTP(rec, req)
			return rec.Code
		}
		for i, name := range names {
			want := http.StatusUnauthorized
			if i >= burst {
				want = http.StatusTooManyRequests // counted like any guess
			}
			if got := ask(name, ""); got != want {
				t.Errorf("name %q: status %d, want %d", name, got, want)
			}
		}
		for _, sc := range []string{"repository:team/a\x00pp:pull", "repository:team/\xff:pull", "repository:team/app\n:pull"} {
			if got := ask("", sc); got != http.StatusBadRequest {
				t.Errorf("scope %q: status %d, want 400", sc, got)
			}
		}
		es := w.events(t, auditlog.Filter{Action: "login"})
		if len(es) < burst {
			t.Fatalf("%d login events, want at least %d", len(es), burst)
		}
		for _, e := range es {
			for _, f := range []string{e.Actor, e.Reason, e.Target} {
				if strings.IndexFunc(f, unicode.IsControl) >= 0 || strings.ContainsRune(f, '\uFFFD') {
					t.Errorf("audit event carries raw control characters: %+v", e)
				}
			}
		}
		if !strings.Contains(es[len(es)-1].Reason, `\n`) {
			t.Errorf("first refusal's reason %q does not show the escaped name", es[len(es)-1].Reason)
		}
	})
}
