// Package api serves drydock's REST API under /api/v1/: users, namespaces,
// members, robots and the audit log (through auth, which decides who may
// do what); the registry's repositories, artifacts, immutable tags and
// retention rules (read from the store, changed through the registry);
// namespaces' policies, protection and trusted keys, and webhooks; the
// stored verdicts and SBOMs, and the scan queue's jobs; with its OpenAPI 3
// document at /api/v1/openapi.json. Each part it is not given answers 404.
// It owns no storage of its own.
package api

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/store"
)

// AuditQuerier reads the audit log for the API; *auditlog.Log satisfies it.
type AuditQuerier interface {
	Query(ctx context.Context, f auditlog.Filter) ([]auditlog.Event, error)
}

var _ AuditQuerier = (*auditlog.Log)(nil)

//go:embed openapi.json
var openAPIDoc []byte

// route is one operation of the REST API; the same table registers the
// handlers and is checked against openapi.json by the tests.
type route struct {
	method, path string
	handle       func(a *api, w http.ResponseWriter, r *http.Request, p auth.Principal) error
}

type api struct {
	auth     *auth.Service
	audit    AuditQuerier
	content  Content
	reg      Registry
	rules    Rules
	hooks    Webhooks
	policies Policies
	// verdicts and jobs serve the verdict, SBOM and jobs routes.
	verdicts Verdicts
	jobs     Jobs
	trust    Trust
	log      *slog.Logger
}

// Option configures the API handler.
type Option func(*api) error

// WithAuditLog answers /api/v1/audit-log from q. Default: none, and the
// route answers 404.
func WithAuditLog(q AuditQuerier) Option {
	return func(a *api) error {
		if q == nil {
			return errors.New("api: WithAuditLog: nil audit log")
		}
		a.audit = q
		return nil
	}
}

// WithRegistry answers the repository and artifact routes from st and
// deletes through reg. Default: none, and those routes answer 404.
func WithRegistry(st Content, reg Registry) Option {
	return func(a *api) error {
		if st == nil || reg == nil {
			return errors.New("api: WithRegistry: nil store or registry")
		}
		a.content, a.reg = st, reg
		return nil
	}
}

// WithLogger sets where internal errors are logged. Default slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(a *api) error {
		if l == nil {
			return errors.New("api: WithLogger: nil logger")
		}
		a.log = l
		return nil
	}
}

// maxBody bounds request bodies: they are small JSON objects.
const maxBody = 64 << 10

// New returns the handler of /api/v1/. Callers authenticate with a token
// from /token or with HTTP Basic (auth.Service.Authenticate).
func New(svc *auth.Service, opts ...Option) (http.Handler, error) {
	if svc == nil {
		return nil, errors.New("api: New: nil auth service")
	}
	a := &api{auth: svc, log: slog.Default()}
	for _, o := range opts {
		if err := o(a); err != nil {
			return nil, err
		}
	}
	mux := http.NewServeMux()
	// Anything else under /api/v1/ answers in the API's JSON too, not the
	// mux's plain text.
	mux.HandleFunc("/api/v1/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"code": "NOT_FOUND",
			"message": fmt.Sprintf("no route %s %s (the routes are in /api/v1/openapi.json)", r.Method, auditlog.Printable(r.URL.Path))})
	})
	mux.HandleFunc("GET /api/v1/openapi.json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(openAPIDoc)
	})
	for _, rt := range routes {
		mux.HandleFunc(rt.method+" "+rt.path, func(w http.ResponseWriter, r *http.Request) {
			err := checkText(r)
			var p auth.Principal
			if err == nil {
				p, err = svc.Authenticate(r)
			}
			if err == nil {
				r.Body = http.MaxBytesReader(w, r.Body, maxBody)
				err = rt.handle(a, w, r, p)
			}
			if err != nil {
				a.fail(w, r, err)
			}
		})
	}
	return mux, nil
}

// checkText refuses a path or query holding control characters or invalid
// UTF-8 before any of it reaches the store (PostgreSQL refuses such text
// with an error that would otherwise be a 500) or the audit trail.
func checkText(r *http.Request) error {
	if !printable(r.URL.Path) {
		return inputErrorf("the path %q holds control characters or invalid UTF-8", r.URL.Path)
	}
	for k, vs := range r.URL.Query() {
		for _, v := range append(vs, k) {
			if !printable(v) {
				return inputErrorf("query parameter %q holds control characters or invalid UTF-8", k)
			}
		}
	}
	return nil
}

func printable(s string) bool { return auditlog.Printable(s) == s }

// inputError is bad input in a request: 400 with the message.
type inputError struct{ msg string }

func inputErrorf(format string, args ...any) error {
	return &inputError{msg: fmt.Sprintf(format, args...)}
}

func (e *inputError) Error() string { return "api: " + e.msg }

// InvalidInput reports true: the caller sent something wrong.
func (e *inputError) InvalidInput() bool { return true }

func isInput(err error) bool {
	var ie *auth.InputError
	var ii interface{ InvalidInput() bool }
	return errors.As(err, &ie) || (errors.As(err, &ii) && ii.InvalidInput())
}

func errNotFoundf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", auth.ErrNotFound, fmt.Sprintf(format, args...))
}

// fail maps an error to its HTTP status and a JSON body naming what was
// wrong; internal errors are logged and not shown.
func (a *api) fail(w http.ResponseWriter, r *http.Request, err error) {
	var (
		fe  *auditlog.FilterError
		ch  *auth.ChallengeError
		rl  *auth.RateLimitedError
		mbe *http.MaxBytesError
	)
	status, code, msg := http.StatusInternalServerError, "INTERNAL", "internal error"
	switch {
	case isInput(err), errors.As(err, &fe):
		status, code, msg = http.StatusBadRequest, "INVALID", err.Error()
	case errors.As(err, &mbe):
		status, code, msg = http.StatusRequestEntityTooLarge, "TOO_LARGE", fmt.Sprintf("request body over %d bytes", maxBody)
	case errors.As(err, &ch):
		w.Header().Set("WWW-Authenticate", ch.Challenge())
		status, code, msg = http.StatusUnauthorized, "UNAUTHORIZED", "authentication required"
	case errors.Is(err, auth.ErrBadCredentials):
		status, code, msg = http.StatusUnauthorized, "UNAUTHORIZED", "invalid credentials"
	case errors.As(err, &rl):
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(rl.RetryAfter.Seconds()))))
		status, code, msg = http.StatusTooManyRequests, "TOO_MANY_REQUESTS", "too many failed logins; retry later"
	case errors.Is(err, auth.ErrForbidden):
		status, code, msg = http.StatusForbidden, "FORBIDDEN", err.Error()
	case errors.Is(err, auth.ErrNotFound), errors.Is(err, store.ErrNotFound):
		status, code, msg = http.StatusNotFound, "NOT_FOUND", err.Error()
	case errors.Is(err, auth.ErrExists):
		status, code, msg = http.StatusConflict, "EXISTS", err.Error()
	default:
		a.log.ErrorContext(r.Context(), "api request failed", "method", r.Method, "path", r.URL.Path, "err", err)
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
