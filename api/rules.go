package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/registry"
)

// Rules keeps the registry's immutable tag and retention rules;
// *registry.Service provides it.
type Rules interface {
	AddImmutableTagRule(ctx context.Context, c registry.Caller, namespace, pattern string) error
	RemoveImmutableTagRule(ctx context.Context, c registry.Caller, namespace, pattern string) error
	ImmutableTagRules(ctx context.Context, namespace string) ([]registry.ImmutableTagRule, error)
	SetRetentionRule(ctx context.Context, c registry.Caller, scope string, keepLast, keepDays int) error
	RemoveRetentionRule(ctx context.Context, c registry.Caller, scope string) error
	RetentionRules(ctx context.Context) ([]registry.RetentionRule, error)
}

var _ Rules = (*registry.Service)(nil)

// WithRules answers the immutable-tag and retention routes from r.
// Default: none, and those routes answer 404.
func WithRules(r Rules) Option {
	return func(a *api) error {
		if r == nil {
			return errors.New("api: WithRules: nil rules")
		}
		a.rules = r
		return nil
	}
}

type (
	immutableRule struct {
		Pattern string    `json:"pattern"`
		Created time.Time `json:"created"`
	}
	retentionRule struct {
		Scope    string    `json:"scope"`
		KeepLast int       `json:"keep_last"`
		KeepDays int       `json:"keep_days"`
		Created  time.Time `json:"created,omitzero"`
	}
)

func init() {
	routes = append(routes,
		route{"GET", "/api/v1/namespaces/{ns}/immutable-tags", listImmutableAPI},
		route{"POST", "/api/v1/namespaces/{ns}/immutable-tags", addImmutableAPI},
		route{"DELETE", "/api/v1/namespaces/{ns}/immutable-tags/{pattern}", removeImmutableAPI},
		route{"GET", "/api/v1/retention", listRetentionAPI},
		route{"PUT", "/api/v1/retention/{ns}", putRetentionAPI},
		route{"DELETE", "/api/v1/retention/{ns}", removeRetentionAPI},
		route{"PUT", "/api/v1/retention/{ns}/{repo}", putRetentionAPI},
		route{"DELETE", "/api/v1/retention/{ns}/{repo}", removeRetentionAPI},
	)
}

// namespaceAdmin checks that rules are served and that p administers the
// namespace the route names; it returns the namespace.
func (a *api) namespaceAdmin(r *http.Request, p auth.Principal, action string) (string, error) {
	if a.rules == nil {
		return "", errNotFoundf("this server keeps no registry rules")
	}
	ns := r.PathValue("ns")
	if err := auth.ValidateNamespace(ns); err != nil {
		return "", err
	}
	return ns, a.auth.RequireNamespaceAdmin(r.Context(), p, ns, action, ns)
}

func listImmutableAPI(a *api, w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	ns, err := a.namespaceAdmin(r, p, "tag-rule.list")
	if err != nil {
		return err
	}
	rules, err := a.rules.ImmutableTagRules(r.Context(), ns)
	if err != nil {
		return err
	}
	writeList(w, "rules", rules, func(x registry.ImmutableTagRule) immutableRule { return immutableRule{x.Pattern, x.Created} })
	return nil
}

func addImmutableAPI(a *api, w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in struct {
		Pattern string `json:"pattern"`
	}
	if err := readJSON(r, &in); err != nil {
		return err
	}
	ns, err := a.namespaceAdmin(r, p, "tag-rule.add")
	if err != nil {
		return err
	}
	if in.Pattern == "" {
		in.Pattern = "*"
	}
	if err := a.rules.AddImmutableTagRule(r.Context(), callerOf(r, p), ns, in.Pattern); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, immutableRule{Pattern: in.Pattern, Created: a.auth.Now().UTC()})
	return nil
}

func removeImmutableAPI(a *api, w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	ns, err := a.namespaceAdmin(r, p, "tag-rule.remove")
	if err != nil {
		return err
	}
	return noContent(w, a.rules.RemoveImmutableTagRule(r.Context(), callerOf(r, p), ns, r.PathValue("pattern")))
}

func listRetentionAPI(a *api, w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if a.rules == nil {
		return errNotFoundf("this server keeps no registry rules")
	}
	if err := a.auth.RequireAdmin(r.Context(), p, "retention.list", ""); err != nil {
		return err
	}
	rules, err := a.rules.RetentionRules(r.Context())
	if err != nil {
		return err
	}
	writeList(w, "rules", rules, func(x registry.RetentionRule) retentionRule {
		return retentionRule{x.Scope, x.KeepLast, x.KeepDays, x.Created}
	})
	return nil
}

// retentionScope is the namespace, or the repository when the route names one.
func (a *api) retentionScope(r *http.Request, p auth.Principal, action string) (string, error) {
	ns, err := a.namespaceAdmin(r, p, action)
	if err != nil || r.PathValue("repo") == "" {
		return ns, err
	}
	return repoOf(r)
}

func putRetentionAPI(a *api, w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in struct {
		KeepLast int `json:"keep_last"`
		KeepDays int `json:"keep_days"`
	}
	if err := readJSON(r, &in); err != nil {
		return err
	}
	scope, err := a.retentionScope(r, p, "retention.set")
	if err != nil {
		return err
	}
	if err := a.rules.SetRetentionRule(r.Context(), callerOf(r, p), scope, in.KeepLast, in.KeepDays); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, retentionRule{Scope: scope, KeepLast: in.KeepLast, KeepDays: in.KeepDays})
	return nil
}

func removeRetentionAPI(a *api, w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	scope, err := a.retentionScope(r, p, "retention.remove")
	if err != nil {
		return err
	}
	return noContent(w, a.rules.RemoveRetentionRule(r.Context(), callerOf(r, p), scope))
}
