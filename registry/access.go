package registry

import (
	"context"
	"errors"
	"net"
	"net/http"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/auth"
)

// challenger and denier are the shapes auth's errors take (see
// auth.Authorizer): "authenticate first" and "known but not allowed".
type challenger interface{ Challenge() string }
type denier interface{ Denied() bool }

type principalKey struct{}

// principalOf is the caller a request was authorized as.
func principalOf(ctx context.Context) auth.Principal {
	p, _ := ctx.Value(principalKey{}).(auth.Principal)
	return p
}

// actionsFor maps a request to the rights it needs on its repository.
func actionsFor(rt route, method string) []string {
	switch rt.kind {
	case kindBase:
		return nil
	case kindCatalog:
		return []string{"*"} // auth treats a registry-wide request with actions as the catalog scope
	}
	switch method {
	case http.MethodGet, http.MethodHead:
		if rt.kind == kindUpload {
			return []string{auth.ActionPush} // an upload's status belongs to its pusher
		}
		return []string{auth.ActionPull}
	case http.MethodDelete:
		if rt.kind == kindUpload {
			return []string{auth.ActionPush}
		}
		return []string{auth.ActionDelete}
	}
	return []string{auth.ActionPush}
}

// authorize asks the Authorizer about the request and answers the client
// itself when the answer is no (401 with a challenge, or 403). It returns
// the request carrying the principal, or nil when it has answered.
func (rg *Registry) authorize(w http.ResponseWriter, r *http.Request, rt route) *http.Request {
	if rg.o.authorizer == nil {
		return r.WithContext(context.WithValue(r.Context(), principalKey{}, auth.Principal{Kind: "anonymous"}))
	}
	actions := actionsFor(rt, r.Method)
	p, err := rg.o.authorizer.Authorize(r, rt.name, actions...)
	if err == nil {
		return r.WithContext(context.WithValue(r.Context(), principalKey{}, p))
	}
	var ch challenger
	var dn denier
	switch {
	case errors.As(err, &ch):
		rg.m.denials.WithLabelValues("401").Inc()
		w.Header().Set("WWW-Authenticate", ch.Challenge())
		rg.writeError(w, r, newError(CodeUnauthorized, "%s", err.Error()))
	case errors.As(err, &dn) && dn.Denied():
		rg.m.denials.WithLabelValues("403").Inc()
		reason := err.Error()
		var ar interface{ AuditReason() string }
		if errors.As(err, &ar) {
			reason = ar.AuditReason() // the client reads less than the trail
		}
		rg.svc.record(callerOf(r), auditlog.Event{Actor: p.Name, Action: actionName(rt, r.Method), Repo: rt.name, Target: rt.ref,
			Outcome: auditlog.OutcomeDenied, Reason: reason})
		rg.writeError(w, r, newError(CodeDenied, "%s", err.Error()))
	default:
		rg.writeError(w, r, err)
	}
	return nil
}

// visible reports whether the caller may read repo, without asking the
// client for a new token (used for mount sources and the catalog).
func (rg *Registry) visible(ctx context.Context, repo string) bool {
	if rg.o.authorizer == nil {
		return true
	}
	return rg.o.authorizer.Visible(ctx, principalOf(ctx), repo)
}

func actionName(rt route, method string) string {
	switch method {
	case http.MethodGet, http.MethodHead:
		return "pull"
	case http.MethodDelete:
		return "delete"
	}
	return "push"
}

func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// callerOf is who made the request, for the service.
func callerOf(r *http.Request) Caller {
	return Caller{Principal: principalOf(r.Context()), Addr: clientAddr(r)}
}
