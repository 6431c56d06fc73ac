package auth

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Errors callers test with errors.Is. A Store wraps ErrNotFound and ErrExists
// into its own errors so that auth can tell "no such row" from a failure.
var (
	ErrNotFound = errors.New("auth: not found")
	ErrExists   = errors.New("auth: already exists")
	// ErrBadCredentials means a user name, password or robot secret did not
	// match, or the account is disabled or expired. It never says which, so
	// that a caller cannot probe for account names.
	ErrBadCredentials = errors.New("auth: invalid credentials")
	// ErrForbidden means the actor may not make an administrative change.
	ErrForbidden = errors.New("auth: forbidden")
)

// InputError is bad input from a user: a malformed name, a short password,
// an unknown role. InvalidInput reports true (exit code 2, HTTP 400).
type InputError struct{ msg string }

func inputErrorf(format string, args ...any) error {
	return &InputError{msg: fmt.Sprintf(format, args...)}
}

func (e *InputError) Error() string { return "auth: " + e.msg }

// InvalidInput reports true: the caller sent something wrong.
func (e *InputError) InvalidInput() bool { return true }

// ChallengeError means "authenticate first": the registry answers 401 with
// Challenge() in WWW-Authenticate.
type ChallengeError struct {
	Realm   string
	Service string
	// Scope is the token scope the client should ask for; "" for none.
	Scope string
	// Code is the RFC 6750 error code: "" when no token was sent,
	// "invalid_token" for a bad one and "insufficient_scope" when a valid
	// token does not cover the request but the caller may get one that does.
	Code string
	// Reason is for logs and the audit trail, never for the client.
	Reason string
}

// Error is what the client may be told: never the Reason, which may hold
// a token parser's words or name an account.
func (e *ChallengeError) Error() string {
	msg := "auth: authentication required"
	if e.Code != "" {
		msg += " (" + e.Code + ")"
	}
	return msg
}

// AuditReason is the whole story, for the audit log and the server log.
func (e *ChallengeError) AuditReason() string {
	if e.Reason == "" {
		return e.Error()
	}
	return e.Error() + ": " + e.Reason
}

// Challenge is the WWW-Authenticate header value.
func (e *ChallengeError) Challenge() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Bearer realm=%q,service=%q", e.Realm, e.Service)
	if e.Scope != "" {
		fmt.Fprintf(&b, ",scope=%q", e.Scope)
	}
	if e.Code != "" {
		fmt.Fprintf(&b, ",error=%q", e.Code)
	}
	return b.String()
}

// DeniedError means the caller is known but may not do what it asked: 403.
type DeniedError struct {
	Principal Principal
	Repo      string
	Actions   []string
	// Reason is for the audit log; Shown is what the client may read, ""
	// when the reason would tell an outsider whether a namespace exists.
	Reason, Shown string
}

// Error is what the client may be told: a missing namespace and one the
// caller does not belong to read the same.
func (e *DeniedError) Error() string {
	who := e.Principal.Name
	if who == "" {
		who = "anonymous"
	}
	msg := fmt.Sprintf("auth: %s may not %s %s", who, strings.Join(e.Actions, ","), e.Repo)
	if e.Shown != "" {
		msg += ": " + e.Shown
	}
	return msg
}

// AuditReason is the whole story, for the audit log.
func (e *DeniedError) AuditReason() string {
	who := e.Principal.Name
	if who == "" {
		who = "anonymous"
	}
	return fmt.Sprintf("auth: %s may not %s %s: %s", who, strings.Join(e.Actions, ","), e.Repo, e.Reason)
}

// Denied reports true: the registry answers 403.
func (e *DeniedError) Denied() bool { return true }

// RateLimitedError means too many failed logins from this user or address.
type RateLimitedError struct {
	// Key is what was limited: "user alice" or "address 10.0.0.1".
	Key        string
	RetryAfter time.Duration
}

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("auth: too many failed logins for %s; retry in %s", e.Key, e.RetryAfter.Round(time.Second))
}
