package auth_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/auth"
)

func TestTokenResponseAndClaims(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	r := w.token(t, "alice", "repository:team/app:pull,push", "repository:other/lib:pull", auth.CatalogScope)
	if r.status != 200 {
		t.Fatalf("status %d, want 200: %v", r.status, r.body)
	}
	if r.body["access_token"] != r.token || r.token == "" {
		t.Errorf("access_token %v and token %q differ or are empty", r.body["access_token"], r.token)
	}
	if got := r.body["expires_in"]; got != float64(300) {
		t.Errorf("expires_in = %v, want 300", got)
	}
	if _, err := time.Parse(time.RFC3339, r.body["issued_at"].(string)); err != nil {
		t.Errorf("issued_at %v is not RFC 3339: %v", r.body["issued_at"], err)
	}
	// Read the token without verifying: the test checks what was put in.
	var c struct {
		jwt.RegisteredClaims
		Access []auth.Scope `json:"access"`
	}
	tok, _, err := jwt.NewParser().ParseUnverified(r.token, &c)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Method.Alg() != "ES256" || tok.Header["kid"] == "" || tok.Header["kid"] == nil {
		t.Errorf("header alg %s kid %v, want ES256 and a kid", tok.Method.Alg(), tok.Header["kid"])
	}
	if c.Issuer != "drydock" || len(c.Audience) != 1 || c.Audience[0] != "drydock" || c.Subject != "alice" || c.ID == "" {
		t.Errorf("claims iss %q aud %v sub %q jti %q, want drydock drydock alice and an id", c.Issuer, c.Audience, c.Subject, c.ID)
	}
	if exp := c.ExpiresAt.Sub(c.IssuedAt.Time); exp != 5*time.Minute {
		t.Errorf("lifetime %s, want 5m", exp)
	}
	// Asked pull,push on team/app as a reader: granted pull only. Nothing
	// on other/lib. The catalog for anyone.
	want := []string{"repository:team/app:pull", "registry:catalog:*"}
	var got []string
	for _, a := range c.Access {
		got = append(got, a.String())
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("access = %v, want %v", got, want)
	}
	es := w.events(t, auditlog.Filter{Actor: "alice", Action: "token"})
	if len(es) != 1 || !strings.Contains(es[0].Reason, "refused repository:team/app:push") || !strings.Contains(es[0].Reason, c.ID) {
		t.Errorf("token audit = %+v, want one event naming the refused push and the jti", es)
	}
	if es := w.events(t, auditlog.Filter{Actor: "alice", Action: "login", Outcome: auditlog.OutcomeAllowed}); len(es) != 1 {
		t.Errorf("%d successful login events, want 1", len(es))
	}
}

func TestTokenEndpointRefusals(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	tests := []struct {
		name   string
		user   string
		secret string
		query  string
		want   int
	}{
		{"wrong password", "alice", "wrong password!", "", 401},
		{"unknown user", "mallory", "whatever-long", "", 401},
		{"robot with a user's password", "robot$team+ci", pw, "", 401},
		{"expired robot", "robot$team+old", "", "", 401},
		{"malformed scope", "alice", pw, "nocolons", 400},
		{"absurdly long name", strings.Repeat("a", 5000), pw, "", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secret := tt.secret
			if secret == "" {
				secret = w.secrets[tt.user]
			}
			var scopes []string
			if tt.query != "" {
				scopes = []string{tt.query}
			}
			r := w.tokenWith(t, tt.user, secret, scopes...)
			if r.status != tt.want {
				t.Errorf("status %d, want %d (%v)", r.status, tt.want, r.body)
			}
			if r.token != "" {
				t.Errorf("a token was issued on a refusal")
			}
		})
	}
	failed := w.events(t, auditlog.Filter{Action: "login", Outcome: auditlog.OutcomeFailed})
	if len(failed) != 5 {
		t.Errorf("%d failed-login events, want 5: %+v", len(failed), failed)
	}
	for _, e := range failed {
		if len(e.Actor) > 200 {
			t.Errorf("a failed login recorded a %d-byte actor", len(e.Actor))
		}
	}
}

func TestTokenWrongService(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	resp, err := w.srv.Client().Get(w.srv.URL + "/token?service=elsewhere&scope=repository:team/app:pull")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("status %d, want 400", resp.StatusCode)
	}
}

func TestLoginRateLimit(t *testing.T) {
	t.Parallel()
	w := newWorld(t, auth.WithLoginLimit(3, time.Minute))
	for i := range 3 {
		if r := w.tokenWith(t, "alice", "wrong password!"); r.status != 401 {
			t.Fatalf("failure %d: status %d, want 401", i+1, r.status)
		}
	}
	// The bucket is empty: even the right password waits.
	r := w.token(t, "alice")
	if r.status != 429 {
		t.Fatalf("after 3 failures status %d, want 429", r.status)
	}
	if secs, err := strconv.Atoi(r.retryAfter); err != nil || secs < 1 || secs > 60 {
		t.Errorf("Retry-After %q, want 1…60 seconds", r.retryAfter)
	}
	// Another user from the same address is limited too: the address
	// bucket is shared.
	if r := w.token(t, "wendy"); r.status != 429 {
		t.Errorf("other user from the same address: status %d, want 429", r.status)
	}
	if es := w.events(t, auditlog.Filter{Action: "login", Outcome: auditlog.OutcomeDenied}); len(es) != 2 || !strings.Contains(es[0].Reason, "rate limited") {
		t.Errorf("rate-limit audit = %+v, want 2 denied logins naming the limit", es)
	}
	w.clock.Add(time.Minute)
	if r := w.token(t, "alice"); r.status != 200 {
		t.Errorf("after a refill interval status %d, want 200", r.status)
	}
}

// refused asserts that Authorize turns tok away with an invalid_token
// challenge.
func refused(t *testing.T, svc *auth.Service, tok, why string) {
	t.Helper()
	_, err := svc.Authorize(request(tok), "team/app", "pull")
	var ch *auth.ChallengeError
	if !errors.As(err, &ch) || ch.Code != "invalid_token" {
		t.Errorf("%s: Authorize = %v, want an invalid_token challenge", why, err)
	}
}

func TestTokenRefusedWhen(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	t.Run("expired", func(t *testing.T) {
		w := newWorld(t)
		tok := w.token(t, "alice", "repository:team/app:pull").token
		if _, err := w.svc.Authorize(request(tok), "team/app", "pull"); err != nil {
			t.Fatalf("fresh token refused: %v", err)
		}
		w.clock.Add(6 * time.Minute)
		refused(t, w.svc, tok, "after 6 minutes")
	})
	t.Run("revoked by id", func(t *testing.T) {
		w := newWorld(t)
		tok := w.token(t, "alice", "repository:team/app:pull").token
		var c jwt.RegisteredClaims
		if _, _, err := jwt.NewParser().ParseUnverified(tok, &c); err != nil {
			t.Fatal(err)
		}
		if err := w.svc.Revoke(ctx, auth.Principal{Name: "alice", Kind: "user"}, c.ID); !errors.Is(err, auth.ErrForbidden) {
			t.Errorf("Revoke by a non-admin = %v, want ErrForbidden", err)
		}
		if err := w.svc.Revoke(ctx, local, c.ID); err != nil {
			t.Fatal(err)
		}
		refused(t, w.svc, tok, "revoked")
		if es := w.events(t, auditlog.Filter{Action: "token.verify", Outcome: auditlog.OutcomeDenied}); len(es) != 1 || es[0].Reason != "token revoked" {
			t.Errorf("audit of the revoked token's use = %+v, want one 'token revoked'", es)
		}
	})
	t.Run("all of a user's revoked", func(t *testing.T) {
		w := newWorld(t)
		tok := w.token(t, "alice", "repository:team/app:pull").token
		if err := w.svc.RevokeUserTokens(ctx, local, "alice"); err != nil {
			t.Fatal(err)
		}
		refused(t, w.svc, tok, "after RevokeUserTokens")
		fresh := w.token(t, "alice", "repository:team/app:pull").token
		if _, err := w.svc.Authorize(request(fresh), "team/app", "pull"); err != nil {
			t.Errorf("token issued after revoke-all refused: %v", err)
		}
	})
	t.Run("robot disabled", func(t *testing.T) {
		w := newWorld(t)
		tok := w.token(t, "robot$team+ci", "repository:team/app:pull").token
		if err := w.svc.SetRobotDisabled(ctx, local, "robot$team+ci", true); err != nil {
			t.Fatal(err)
		}
		refused(t, w.svc, tok, "disabled robot")
	})
	t.Run("signed by a foreign key", func(t *testing.T) {
		w := newWorld(t)
		good := w.token(t, "root", "repository:team/app:pull").token
		var c jwt.MapClaims
		parsed, _, err := jwt.NewParser().ParseUnverified(good, &c)
		if err != nil {
			t.Fatal(err)
		}
		other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		forged := jwt.NewWithClaims(jwt.SigningMethodES256, c)
		forged.Header["kid"] = parsed.Header["kid"] // same kid, other key
		s, err := forged.SignedString(other)
		if err != nil {
			t.Fatal(err)
		}
		refused(t, w.svc, s, "foreign key, same kid")
		none := jwt.NewWithClaims(jwt.SigningMethodNone, c)
		s, _ = none.SignedString(jwt.UnsafeAllowNoneSignatureType)
		refused(t, w.svc, s, "alg none")
	})
	t.Run("from another installation", func(t *testing.T) {
		w, w2 := newWorld(t), newWorld(t)
		refused(t, w.svc, w2.token(t, "root", "repository:team/app:pull").token, "other installation's key")
	})
	t.Run("wrong audience or issuer", func(t *testing.T) {
		w := newWorld(t)
		// Services on the same store share the key: only the claims differ.
		for _, opt := range []auth.Option{auth.WithService("other-registry"), auth.WithIssuer("someone-else")} {
			other, err := auth.New(ctx, w.st, auth.WithBcryptCost(10), opt)
			if err != nil {
				t.Fatal(err)
			}
			tok := tokenFrom(t, other, "root", pw)
			refused(t, w.svc, tok, "claims from another service")
		}
	})
}

// tokenFrom fetches a token for user from svc's own /token endpoint.
func tokenFrom(t *testing.T, svc *auth.Service, user, secret string) string {
	t.Helper()
	srv := httptest.NewServer(svc.TokenHandler())
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/token?scope=repository:team/app:pull", nil)
	req.SetBasicAuth(user, secret)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != 200 || body.Token == "" {
		t.Fatalf("token from second service: status %d, %v", resp.StatusCode, err)
	}
	return body.Token
}

func TestTokenPasswordGrant(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	tests := []struct {
		name string
		form url.Values
		want int
	}{
		{"password grant", url.Values{"grant_type": {"password"}, "username": {"wendy"}, "password": {pw},
			"service": {"drydock"}, "scope": {"repository:team/app:pull,push repository:other/lib:pull"}, "client_id": {"containerd"}}, 200},
		{"wrong password", url.Values{"grant_type": {"password"}, "username": {"wendy"}, "password": {"nope nope nope"}}, 401},
		{"refresh token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}}, 400},
		{"no username", url.Values{"grant_type": {"password"}, "password": {pw}}, 400},
	}
	for _, tt := range tests {
		resp, err := w.srv.Client().PostForm(w.srv.URL+"/token", tt.form)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("%s: status %d %v, want %d", tt.name, resp.StatusCode, body, tt.want)
			continue
		}
		if tt.want != 200 {
			continue
		}
		tok, _ := body["access_token"].(string)
		if _, err := w.svc.Authorize(request(tok), "team/app", "push"); err != nil {
			t.Errorf("%s: push with the granted token: %v", tt.name, err)
		}
		if _, err := w.svc.Authorize(request(tok), "other/lib", "pull"); err == nil {
			t.Errorf("%s: pull on other/lib allowed, want refused (not granted)", tt.name)
		}
	}
}

// BenchmarkRobotToken measures a whole /token answer for a robot: its
// secret check (SHA-256), the grant, signing and the two audit rows.
func BenchmarkRobotToken(b *testing.B) {
	w := newWorld(b)
	h := w.svc.TokenHandler()
	req := httptest.NewRequest(http.MethodGet, "/token?service=drydock&scope=repository:team/app:pull,push", nil)
	req.SetBasicAuth("robot$team+ci", w.secrets["robot$team+ci"])
	b.ResetTimer()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
