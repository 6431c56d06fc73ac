package auth_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/store/storetest"
)

// endpoint is one kind of registry request as the registry presents it to
// the Authorizer: the repository and the actions it needs. A mount needs
// push on the target and pull on the source: two calls.
type endpoint struct {
	name  string
	calls []call
}

type call struct {
	repo    string // "" for registry-wide; "$" is replaced by the row's repository
	actions []string
}

var endpoints = []endpoint{
	{"catalog", []call{{"", []string{"*"}}}},
	{"tags list", []call{{"$", []string{"pull"}}}},
	{"manifest GET", []call{{"$", []string{"pull"}}}},
	{"manifest HEAD", []call{{"$", []string{"pull"}}}},
	{"manifest PUT", []call{{"$", []string{"push"}}}},
	{"manifest DELETE", []call{{"$", []string{"delete"}}}},
	{"blob GET", []call{{"$", []string{"pull"}}}},
	{"blob HEAD", []call{{"$", []string{"pull"}}}},
	{"blob DELETE", []call{{"$", []string{"delete"}}}},
	{"upload POST", []call{{"$", []string{"push"}}}},
	{"upload PATCH", []call{{"$", []string{"push"}}}},
	{"upload PUT", []call{{"$", []string{"push"}}}},
	{"mount from public pub/app", []call{{"$", []string{"push"}}, {"pub/app", []string{"pull"}}}},
	{"mount from private other/lib", []call{{"$", []string{"push"}}, {"other/lib", []string{"pull"}}}},
	{"referrers GET", []call{{"$", []string{"pull"}}}},
}

// TestAuthorizeMatrix checks every role against every endpoint kind at
// the Authorizer, on SQLite and on PostgreSQL (the registry-level matrix
// is in registry_matrix_test.go). Expectations are one letter per
// endpoint, in the order of endpoints: A allowed, C challenge (401),
// D denied (403).
func TestAuthorizeMatrix(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, st *store.Store) { authorizeMatrix(t, newWorldOn(t, st)) })
}

func authorizeMatrix(t *testing.T, w *world) {
	scopes := []string{
		"repository:team/app:pull,push,delete", "repository:pub/app:pull,push,delete",
		"repository:other/lib:pull", auth.CatalogScope,
	}
	tests := []struct {
		role    string
		user    string // "" anonymous
		noToken bool   // send no Authorization at all
		repo    string
		want    string
	}{
		//                                                          cat tags mG mH mP mD bG bH bD uPO uPA uPU mPub mOth refs
		{role: "anonymous without token", noToken: true, repo: "team/app", want: "CCCCCCCCCCCCCCC"},
		{role: "anonymous with token", repo: "team/app", want: "ACCCCCCCCCCCCCC"},
		{role: "anonymous on public", repo: "pub/app", want: "AAAACCAACCCCCCA"},
		{role: "reader", user: "alice", repo: "team/app", want: "AAAADDAADDDDDDA"},
		{role: "writer", user: "wendy", repo: "team/app", want: "AAAAADAADAAAADA"},
		{role: "maintainer", user: "max", repo: "team/app", want: "AAAAAAAAAAAAADA"},
		{role: "namespace admin", user: "nora", repo: "team/app", want: "AAAAAAAAAAAAADA"},
		{role: "system admin", user: "root", repo: "team/app", want: "AAAAAAAAAAAAAAA"},
		{role: "robot writer", user: "robot$team+ci", repo: "team/app", want: "AAAAADAADAAAADA"},
		{role: "expired robot", user: "robot$team+old", noToken: true, repo: "team/app", want: "CCCCCCCCCCCCCCC"},
		{role: "member of another namespace", user: "olga", repo: "team/app", want: "ADDDDDDDDDDDDDD"},
		{role: "reader on a public namespace", user: "alice", repo: "pub/app", want: "AAAADDAADDDDDDA"},
	}
	for _, tt := range tests {
		t.Run(tt.role, func(t *testing.T) {
			if len(tt.want) != len(endpoints) {
				t.Fatalf("row has %d expectations for %d endpoints", len(tt.want), len(endpoints))
			}
			tok := ""
			if !tt.noToken {
				r := w.token(t, tt.user, scopes...)
				if r.status != 200 {
					t.Fatalf("/token as %q = %d %v, want 200", tt.user, r.status, r.body)
				}
				tok = r.token
			} else if tt.user != "" {
				// An expired robot cannot even get a token.
				if r := w.token(t, tt.user, scopes...); r.status != 401 {
					t.Fatalf("/token as %s = %d, want 401", tt.user, r.status)
				}
			}
			for i, ep := range endpoints {
				got := "A"
				for _, c := range ep.calls {
					repo := strings.ReplaceAll(c.repo, "$", tt.repo)
					if _, err := w.svc.Authorize(request(tok), repo, c.actions...); err != nil {
						got = classify(t, err)
						break
					}
				}
				if want := tt.want[i : i+1]; got != want {
					t.Errorf("%s: got %s, want %s", ep.name, got, want)
				}
			}
		})
	}
	// Anonymous denials are audited here (403s by the registry), the
	// first from an address in a minute as it happens, the rest counted.
	if err := w.audit.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	es := w.events(t, auditlog.Filter{Actor: "", Repo: "team/app", Outcome: auditlog.OutcomeDenied})
	if len(es) == 0 || es[0].Addr == "" || !strings.Contains(es[len(es)-1].Reason, "not public") {
		t.Errorf("audit of the anonymous denials = %+v, want events saying team is not public", es)
	}
	// A 403's error names the reason for the registry to record.
	tok := w.token(t, "alice", scopes...).token
	_, err := w.svc.Authorize(request(tok), "team/app", "push")
	if err == nil || !strings.Contains(err.Error(), "role reader in namespace team") {
		t.Errorf("alice's push error = %v, want it to name role reader", err)
	}
}

// classify turns an Authorize error into the matrix's letter.
func classify(t *testing.T, err error) string {
	t.Helper()
	var ch interface{ Challenge() string }
	var dn interface{ Denied() bool }
	switch {
	case errors.As(err, &dn) && dn.Denied():
		return "D"
	case errors.As(err, &ch):
		if !strings.HasPrefix(ch.Challenge(), `Bearer realm="http://registry.test/token",service="drydock"`) {
			t.Errorf("challenge %q lacks realm and service", ch.Challenge())
		}
		return "C"
	}
	t.Errorf("unexpected internal error: %v", err)
	return "E"
}

func TestChallengeNamesScope(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	tests := []struct {
		repo    string
		actions []string
		want    string
	}{
		{"team/app", []string{"pull"}, `Bearer realm="http://registry.test/token",service="drydock",scope="repository:team/app:pull"`},
		{"team/app", []string{"pull", "push"}, `Bearer realm="http://registry.test/token",service="drydock",scope="repository:team/app:pull,push"`},
		{"", []string{"*"}, `Bearer realm="http://registry.test/token",service="drydock",scope="registry:catalog:*"`},
		{"", nil, `Bearer realm="http://registry.test/token",service="drydock"`},
	}
	for _, tt := range tests {
		_, err := w.svc.Authorize(request(""), tt.repo, tt.actions...)
		var ch *auth.ChallengeError
		if !errors.As(err, &ch) {
			t.Fatalf("Authorize(%q, %v) without token = %v, want a ChallengeError", tt.repo, tt.actions, err)
		}
		if got := ch.Challenge(); got != tt.want {
			t.Errorf("Challenge() = %s\nwant          %s", got, tt.want)
		}
	}
}

func TestBasicIsNotAcceptedOnRegistryRequests(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	r := request("")
	r.SetBasicAuth("root", pw)
	_, err := w.svc.Authorize(r, "team/app", "pull")
	var ch *auth.ChallengeError
	if !errors.As(err, &ch) {
		t.Fatalf("Authorize with Basic = %v, want a challenge to fetch a token", err)
	}
}

func TestInsufficientScopeAsksForANewToken(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	tok := w.token(t, "wendy", "repository:team/app:pull").token
	_, err := w.svc.Authorize(request(tok), "team/app", "push")
	var ch *auth.ChallengeError
	if !errors.As(err, &ch) || ch.Code != "insufficient_scope" {
		t.Fatalf("push with a pull-only token = %v, want challenge insufficient_scope", err)
	}
	if !strings.Contains(ch.Challenge(), `scope="repository:team/app:push"`) || !strings.Contains(ch.Challenge(), `error="insufficient_scope"`) {
		t.Errorf("challenge %q lacks the push scope or the error code", ch.Challenge())
	}
}

func TestVisible(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	tests := []struct {
		p    auth.Principal
		repo string
		want bool
	}{
		{auth.Principal{Kind: "anonymous"}, "pub/app", true},
		{auth.Principal{Kind: "anonymous"}, "team/app", false},
		{auth.Principal{Name: "alice", Kind: "user"}, "team/app", true},
		{auth.Principal{Name: "olga", Kind: "user"}, "team/app", false},
		{auth.Principal{Name: "olga", Kind: "user"}, "other/lib", true},
		{auth.Principal{Name: "robot$team+ci", Kind: "robot"}, "team/app", true},
		{auth.Principal{Name: "robot$team+old", Kind: "robot"}, "team/app", false},
		{auth.Principal{Name: "root", Kind: "user", Admin: true}, "nonamespace", true},
		{auth.Principal{Name: "alice", Kind: "user"}, "nonamespace", false},
		{auth.Principal{Name: "alice", Kind: "user"}, "ghost/app", false},
	}
	for _, tt := range tests {
		if got := w.svc.Visible(t.Context(), tt.p, tt.repo); got != tt.want {
			t.Errorf("Visible(%s, %s) = %t, want %t", tt.p.Name, tt.repo, got, tt.want)
		}
	}
}

// BenchmarkAuthorize measures one registry request's check: signature,
// claims, revocation list, account and membership lookups in SQLite.
func BenchmarkAuthorize(b *testing.B) {
	w := newWorld(b)
	tok := w.token(b, "wendy", "repository:team/app:pull,push").token
	r := request(tok)
	b.ResetTimer()
	for b.Loop() {
		if _, err := w.svc.Authorize(r, "team/app", "push"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestDenialsTellOutsidersNothing: a caller answered 403 on a missing
// namespace reads what a non-member of an existing one reads, a member
// still reads their role, and a token parser's complaint stays in the
// audit reason. The audit trail keeps the whole story.
func TestDenialsTellOutsidersNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	tok := w.token(t, "olga", "repository:team/app:pull", "repository:ghost/app:pull").token
	answer := func(repo string) (string, string) {
		_, err := w.svc.Authorize(request(tok), repo, "pull")
		var de *auth.DeniedError
		if !errors.As(err, &de) {
			t.Fatalf("olga on %s: %v, want a denial", repo, err)
		}
		return strings.ReplaceAll(de.Error(), repo, "REPO"), de.AuditReason()
	}
	member, memberAudit := answer("team/app")
	ghost, ghostAudit := answer("ghost/app")
	if member != ghost {
		t.Errorf("answers differ: %q for a namespace olga is not in, %q for one that does not exist", member, ghost)
	}
	if !strings.Contains(memberAudit, "not a member") || !strings.Contains(ghostAudit, "does not exist") {
		t.Errorf("audit reasons %q and %q lost the difference", memberAudit, ghostAudit)
	}
	alice := w.token(t, "alice", "repository:team/app:push").token
	if _, err := w.svc.Authorize(request(alice), "team/app", "push"); err == nil || !strings.Contains(err.Error(), "role reader") {
		t.Errorf("a member's denial = %v, want it to name her role", err)
	}
	_, err := w.svc.Authorize(request("not.a.jwt"), "team/app", "pull")
	var ch *auth.ChallengeError
	if !errors.As(err, &ch) || strings.Contains(err.Error(), "malformed") || !strings.Contains(ch.AuditReason(), "malformed") {
		t.Errorf("garbage token: client reads %q, audit %v; want the parser's words in the audit reason only", err, err)
	}
}
