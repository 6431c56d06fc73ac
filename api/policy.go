package api

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/enforce"
)

// Policies reads and writes namespaces' enforcement settings;
// *enforce.Settings satisfies it.
type Policies interface {
	Get(ctx context.Context, actor auth.Principal, ns string) (enforce.Namespace, error)
	Set(ctx context.Context, actor auth.Principal, ns string, c enforce.Change) (enforce.Namespace, error)
}

var _ Policies = (*enforce.Settings)(nil)

// WithPolicies answers /api/v1/namespaces/{ns}/policy from p. Default:
// none, and the route answers 404.
func WithPolicies(p Policies) Option {
	return func(a *api) error {
		if p == nil {
			return errors.New("api: WithPolicies: nil settings")
		}
		a.policies = p
		return nil
	}
}

// namespacePolicy is the JSON shape of a namespace's enforcement settings.
type namespacePolicy struct {
	Namespace string `json:"namespace"`
	Enforce   bool   `json:"enforce"`
	// Policy is the YAML as set; "" when the namespace has none.
	Policy       string     `json:"policy"`
	PolicyName   string     `json:"policy_name,omitempty"`
	PolicyDigest string     `json:"policy_digest,omitempty"`
	UpdatedBy    string     `json:"updated_by,omitempty"`
	Updated      *time.Time `json:"updated,omitempty"`
}

// policyUpdate is the body of a PUT in JSON; absent fields stay as they are.
type policyUpdate struct {
	Enforce *bool   `json:"enforce"`
	Policy  *string `json:"policy"`
}

func toNamespacePolicy(n enforce.Namespace) namespacePolicy {
	out := namespacePolicy{Namespace: n.Name, Enforce: n.Enforce, Policy: n.PolicyYAML, UpdatedBy: n.UpdatedBy}
	if n.Policy != nil {
		out.PolicyName, out.PolicyDigest = n.Policy.ID().Name, n.Policy.ID().Digest
	}
	if !n.Updated.IsZero() {
		t := n.Updated
		out.Updated = &t
	}
	return out
}

func init() {
	routes = append(routes,
		route{"GET", "/api/v1/namespaces/{ns}/policy", getPolicyAPI},
		route{"PUT", "/api/v1/namespaces/{ns}/policy", putPolicyAPI},
	)
}

func (a *api) hasPolicies() error {
	if a.policies == nil {
		return errNotFoundf("this server keeps no namespace policies")
	}
	return nil
}

func getPolicyAPI(a *api, w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if err := a.hasPolicies(); err != nil {
		return err
	}
	n, err := a.policies.Get(r.Context(), p, r.PathValue("ns"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toNamespacePolicy(n))
	return nil
}

// putPolicyAPI takes either a policy file as is (Content-Type
// application/yaml) or JSON {"enforce": bool, "policy": "<yaml>"}.
func putPolicyAPI(a *api, w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if err := a.hasPolicies(); err != nil {
		return err
	}
	var c enforce.Change
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/yaml", "application/x-yaml", "text/yaml":
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return err
		}
		c.Policy = body
	default:
		var u policyUpdate
		if err := readJSON(r, &u); err != nil {
			return err
		}
		if u.Enforce == nil && u.Policy == nil {
			return inputErrorf("request body: set enforce, policy or both")
		}
		c.Enforce = u.Enforce
		if u.Policy != nil {
			c.Policy = []byte(*u.Policy)
		}
	}
	n, err := a.policies.Set(r.Context(), p, r.PathValue("ns"), c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toNamespacePolicy(n))
	return nil
}
