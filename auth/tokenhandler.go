package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/drydock/drydock/auditlog"
)

// tokenResponse is the body of a successful /token answer. Both "token"
// and "access_token" carry the JWT: Docker reads the first, OAuth2
// clients the second.
type tokenResponse struct {
	Token       string `json:"token"`
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
	IssuedAt    string `json:"issued_at"`
}

// TokenHandler serves GET /token: it authenticates HTTP Basic credentials
// (a user's password or a robot's secret) or none (anonymous), and issues
// a token holding, for each asked scope, the asked actions the caller is
// allowed — fewer than asked rather than a refusal, as the spec says.
// POST takes the same as an OAuth2 password grant form.
func (s *Service) TokenHandler() http.Handler {
	return http.HandlerFunc(s.serveToken)
}

func (s *Service) serveToken(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var q url.Values
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		q = r.URL.Query()
	case http.MethodPost:
		// OAuth2's password grant, which containerd and buildkit try
		// first: the same credentials and scopes, sent as a form.
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			writeError(w, http.StatusBadRequest, "INVALID_REQUEST", "form: "+err.Error())
			return
		}
		q = r.PostForm
		if gt := q.Get("grant_type"); gt != "password" {
			writeError(w, http.StatusBadRequest, "UNSUPPORTED", fmt.Sprintf("grant_type %q (only password is supported; no refresh tokens are issued)", gt))
			return
		}
		if q.Get("username") == "" {
			writeError(w, http.StatusBadRequest, "INVALID_REQUEST", "the password grant needs a username")
			return
		}
		// login reads credentials from one place, the Basic header.
		r.SetBasicAuth(q.Get("username"), q.Get("password"))
	default:
		w.Header().Set("Allow", "GET, POST")
		writeError(w, http.StatusMethodNotAllowed, "UNSUPPORTED", "the token endpoint takes GET (or POST with an OAuth2 password grant)")
		return
	}
	if svc := q.Get("service"); svc != "" && svc != s.opts.service {
		writeError(w, http.StatusBadRequest, "INVALID_REQUEST", fmt.Sprintf("unknown service %q (this is %q)", svc, s.opts.service))
		return
	}
	scopes, err := ParseScopes(q["scope"])
	if err != nil {
		writeError(w, http.StatusBadRequest, "INVALID_REQUEST", err.Error())
		return
	}
	addr := clientAddr(r)
	p, gen, err := s.login(ctx, r, addr)
	if err != nil {
		var rl *RateLimitedError
		switch {
		case errors.As(err, &rl):
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(rl.RetryAfter.Seconds()))))
			writeError(w, http.StatusTooManyRequests, "TOOMANYREQUESTS", "too many failed logins; retry later")
		case errors.Is(err, ErrBadCredentials), isInput(err):
			w.Header().Set("WWW-Authenticate", fmt.Sprintf("Basic realm=%q", s.opts.service))
			writeError(w, http.StatusUnauthorized, "UNAUTHORIZED", "invalid credentials")
		default:
			s.log.ErrorContext(ctx, "token request failed", "err", err)
			writeError(w, http.StatusInternalServerError, "UNKNOWN", "internal error")
		}
		return
	}
	granted, refused, err := s.grant(ctx, p, scopes)
	if err != nil {
		s.log.ErrorContext(ctx, "token grant failed", "err", err)
		writeError(w, http.StatusInternalServerError, "UNKNOWN", "internal error")
		return
	}
	tok, iat, jti, err := s.issue(p, gen, granted)
	if err != nil {
		s.log.ErrorContext(ctx, "token signing failed", "err", err)
		writeError(w, http.StatusInternalServerError, "UNKNOWN", "internal error")
		return
	}
	target := make([]string, 0, len(granted)+1)
	for _, g := range granted {
		target = append(target, g.String())
	}
	s.record(ctx, auditlog.Event{
		Actor: p.Name, Action: "token", Target: strings.Join(target, " "),
		Outcome: auditlog.OutcomeAllowed, Reason: strings.Join(append(refused, "jti "+jti), "; "), Addr: addr,
	})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(tokenResponse{
		Token: tok, AccessToken: tok,
		ExpiresIn: int(s.opts.ttl / time.Second), IssuedAt: iat.Format(time.RFC3339),
	})
}

// grant works out, scope by scope, what p gets; refused lists what was
// asked but not granted, with the reason, for the audit log.
func (s *Service) grant(ctx context.Context, p Principal, scopes []Scope) (granted []Scope, refused []string, err error) {
	for _, sc := range scopes {
		var acts []string
		reason := ""
		switch {
		case sc.Type == "repository":
			var allowed []string
			allowed, reason, err = s.allowed(ctx, p, sc.Name)
			if err != nil {
				return nil, nil, err
			}
			acts = intersect(sc.Actions, allowed)
		case sc.Type == apiScope.Type && sc.Name == apiScope.Name:
			// Anyone may hold it: it only says the token is meant for
			// the API, where the caller's own rights are checked.
			if slices.Contains(sc.Actions, "*") {
				acts = []string{"*"}
			}
		case sc.Type == "registry" && sc.Name == "catalog":
			// Anyone may list the catalog: the registry filters it
			// through Visible, so each caller sees only what it may pull.
			if slices.Contains(sc.Actions, "*") {
				acts = []string{"*"}
			}
		default:
			reason = "unknown resource type"
		}
		if missing := missingActions(sc.Actions, acts); len(missing) > 0 {
			if reason == "" {
				reason = "unknown action"
			}
			refused = append(refused, fmt.Sprintf("refused %s:%s:%s (%s)", sc.Type, sc.Name, strings.Join(missing, ","), reason))
		}
		if len(acts) > 0 {
			granted = append(granted, Scope{Type: sc.Type, Name: sc.Name, Actions: acts})
		}
	}
	return granted, refused, nil
}

// missingActions lists asked actions not in got ("*" counts as all).
func missingActions(asked, got []string) []string {
	var out []string
	for _, a := range asked {
		if a == "*" && len(got) > 0 {
			continue
		}
		if !slices.Contains(got, a) && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

func isInput(err error) bool {
	var ie *InputError
	return errors.As(err, &ie)
}

// writeError answers in the distribution spec's error format.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]string{{"code": code, "message": msg}},
	})
}
