package auth

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/drydock/drydock/auditlog"
)

// AuditQuerier reads the audit log for the API; *auditlog.Log satisfies it.
type AuditQuerier interface {
	Query(ctx context.Context, f auditlog.Filter) ([]auditlog.Event, error)
}

var _ AuditQuerier = (*auditlog.Log)(nil)

//go:embed openapi.json
var openAPIDoc []byte

// apiRoute is one operation of the REST API; the same table registers the
// handlers and is checked against openapi.json by the tests.
type apiRoute struct {
	method, path string
	handle       func(a *api, w http.ResponseWriter, r *http.Request, p Principal) error
}

type api struct {
	s     *Service
	audit AuditQuerier
}

// maxAPIBody bounds request bodies: they are small JSON objects.
const maxAPIBody = 64 << 10

// APIHandler serves the account REST API under /api/v1/ — users,
// namespaces, members, robots and the audit log — and its OpenAPI 3
// document at /api/v1/openapi.json. Callers authenticate with a token from
// /token (no scope needed: the API checks the caller's current rights) or
// with HTTP Basic, under the same failed-login limit as /token. audit may
// be nil, and then /api/v1/audit-log answers 404.
func (s *Service) APIHandler(audit AuditQuerier) http.Handler {
	a := &api{s: s, audit: audit}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/openapi.json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(openAPIDoc)
	})
	for _, rt := range apiRoutes {
		mux.HandleFunc(rt.method+" "+rt.path, func(w http.ResponseWriter, r *http.Request) {
			p, err := s.apiPrincipal(r)
			if err == nil {
				r.Body = http.MaxBytesReader(w, r.Body, maxAPIBody)
				err = rt.handle(a, w, r, p)
			}
			if err != nil {
				a.fail(w, r, err)
			}
		})
	}
	return mux
}

// apiPrincipal authenticates an API call: a Bearer token (checked like a
// registry request, minus the scope) or Basic credentials.
func (s *Service) apiPrincipal(r *http.Request) (Principal, error) {
	h := r.Header.Get("Authorization")
	if raw, ok := bearerToken(h); ok {
		c, err := s.verify(r.Context(), raw)
		if err != nil {
			var se *storeError
			if errors.As(err, &se) {
				return Principal{}, err
			}
			return Principal{}, &ChallengeError{Realm: s.realm(r), Service: s.opts.service, Code: "invalid_token", Reason: err.Error()}
		}
		p, err := s.subject(r.Context(), c)
		if err != nil {
			var se *storeError
			if errors.As(err, &se) {
				return Principal{}, err
			}
			return Principal{}, &ChallengeError{Realm: s.realm(r), Service: s.opts.service, Code: "invalid_token", Reason: err.Error()}
		}
		return p, nil
	}
	if strings.HasPrefix(strings.ToLower(h), "basic ") {
		p, _, err := s.login(r.Context(), r, clientAddr(r))
		return p, err
	}
	return Principal{}, &ChallengeError{Realm: s.realm(r), Service: s.opts.service}
}

// fail maps an error to its HTTP status and a JSON body naming what was
// wrong; internal errors are logged and not shown.
func (a *api) fail(w http.ResponseWriter, r *http.Request, err error) {
	var (
		ie  *InputError
		fe  *auditlog.FilterError
		ch  *ChallengeError
		rl  *RateLimitedError
		mbe *http.MaxBytesError
	)
	status, code, msg := http.StatusInternalServerError, "INTERNAL", "internal error"
	switch {
	case errors.As(err, &ie), errors.As(err, &fe):
		status, code, msg = http.StatusBadRequest, "INVALID", err.Error()
	case errors.As(err, &mbe):
		status, code, msg = http.StatusRequestEntityTooLarge, "TOO_LARGE", fmt.Sprintf("request body over %d bytes", maxAPIBody)
	case errors.As(err, &ch):
		w.Header().Set("WWW-Authenticate", ch.Challenge())
		status, code, msg = http.StatusUnauthorized, "UNAUTHORIZED", "authentication required"
	case errors.Is(err, ErrBadCredentials):
		status, code, msg = http.StatusUnauthorized, "UNAUTHORIZED", "invalid credentials"
	case errors.As(err, &rl):
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(rl.RetryAfter.Seconds()))))
		status, code, msg = http.StatusTooManyRequests, "TOO_MANY_REQUESTS", "too many failed logins; retry later"
	case errors.Is(err, ErrForbidden):
		status, code, msg = http.StatusForbidden, "FORBIDDEN", err.Error()
	case errors.Is(err, ErrNotFound):
		status, code, msg = http.StatusNotFound, "NOT_FOUND", err.Error()
	case errors.Is(err, ErrExists):
		status, code, msg = http.StatusConflict, "EXISTS", err.Error()
	default:
		a.s.log.ErrorContext(r.Context(), "api request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeJSON(w, status, map[string]string{"code": code, "message": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// readJSON decodes a request body strictly: unknown fields are an error,
// so that a typo in a field name is not silently ignored.
func readJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return inputErrorf("request body: %v", err)
	}
	return nil
}

// writeList answers 200 with {"key": [conv(item)…]}: an empty list is [],
// never null, so clients can range over it without a check.
func writeList[T, A any](w http.ResponseWriter, key string, items []T, conv func(T) A) {
	out := make([]A, 0, len(items))
	for _, it := range items {
		out = append(out, conv(it))
	}
	writeJSON(w, http.StatusOK, map[string]any{key: out})
}
