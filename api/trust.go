package api

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/trust"
)

// Trust reads and changes protected namespaces and their trusted keys;
// *trust.Settings satisfies it.
type Trust interface {
	Configure(ctx context.Context, actor auth.Principal, ns string, protected, requireSignature bool, sourceRepos *[]string) error
	Get(ctx context.Context, ns string) (store.NamespaceTrust, error)
	AddKey(ctx context.Context, actor auth.Principal, ns, name string, pemKey []byte) (store.TrustedKey, error)
	RemoveKey(ctx context.Context, actor auth.Principal, ns, name string) error
	Keys(ctx context.Context, ns string) ([]store.TrustedKey, error)
	SourceRepos(ctx context.Context, ns string) ([]string, error)
}

var _ Trust = (*trust.Settings)(nil)

// WithTrust answers /api/v1/namespaces/{ns}/protection and its trusted
// keys from t. Default: none, and those routes answer 404.
func WithTrust(t Trust) Option {
	return func(a *api) error {
		if t == nil {
			return errors.New("api: WithTrust: nil settings")
		}
		a.trust = t
		return nil
	}
}

type protection struct {
	Namespace        string       `json:"namespace"`
	Protected        bool         `json:"protected"`
	RequireSignature bool         `json:"require_signature"`
	SourceRepos      []string     `json:"source_repos"`
	Keys             []trustedKey `json:"keys"`
}

type trustedKey struct {
	Name        string    `json:"name"`
	Fingerprint string    `json:"fingerprint"`
	PublicKey   string    `json:"public_key"`
	Added       time.Time `json:"added"`
	AddedBy     string    `json:"added_by"`
}

func init() {
	routes = append(routes,
		route{"GET", "/api/v1/namespaces/{ns}/protection", getProtectionAPI},
		route{"PUT", "/api/v1/namespaces/{ns}/protection", putProtectionAPI},
		route{"PUT", "/api/v1/namespaces/{ns}/protection/keys/{name}", putTrustedKeyAPI},
		route{"DELETE", "/api/v1/namespaces/{ns}/protection/keys/{name}", deleteTrustedKeyAPI},
	)
}

func (a *api) hasTrust() error {
	if a.trust == nil {
		return errNotFoundf("this server keeps no protected namespaces")
	}
	return nil
}

func (a *api) writeProtection(w http.ResponseWriter, r *http.Request, ns string) error {
	t, err := a.trust.Get(r.Context(), ns)
	if err != nil {
		return err
	}
	keys, err := a.trust.Keys(r.Context(), ns)
	if err != nil {
		return err
	}
	repos, err := a.trust.SourceRepos(r.Context(), ns)
	if err != nil {
		return err
	}
	out := protection{Namespace: ns, Protected: t.Protected, RequireSignature: t.RequireSignature, SourceRepos: repos, Keys: []trustedKey{}}
	for _, k := range keys {
		out.Keys = append(out.Keys, trustedKey{Name: k.Name, Fingerprint: k.Hint, PublicKey: k.PublicKey, Added: k.Added, AddedBy: k.AddedBy})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func getProtectionAPI(a *api, w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if err := a.hasTrust(); err != nil {
		return err
	}
	if p.Kind == "anonymous" {
		return auth.ErrForbidden
	}
	return a.writeProtection(w, r, r.PathValue("ns"))
}

func putProtectionAPI(a *api, w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if err := a.hasTrust(); err != nil {
		return err
	}
	var body struct {
		Protected        *bool     `json:"protected"`
		RequireSignature *bool     `json:"require_signature"`
		SourceRepos      *[]string `json:"source_repos"`
	}
	if err := readJSON(r, &body); err != nil {
		return err
	}
	if body.Protected == nil {
		return inputErrorf("request body: protected is required")
	}
	ns := r.PathValue("ns")
	req := body.RequireSignature != nil && *body.RequireSignature
	if err := a.trust.Configure(r.Context(), p, ns, *body.Protected, req, body.SourceRepos); err != nil {
		return err
	}
	return a.writeProtection(w, r, ns)
}

// putTrustedKeyAPI takes the PEM public key (cosign.pub) as the body
// (application/x-pem-file or text/plain) or JSON {"public_key": "<PEM>"}.
func putTrustedKeyAPI(a *api, w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if err := a.hasTrust(); err != nil {
		return err
	}
	var pem []byte
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/json" {
		var body struct {
			PublicKey string `json:"public_key"`
		}
		if err := readJSON(r, &body); err != nil {
			return err
		}
		pem = []byte(body.PublicKey)
	} else {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return err
		}
		pem = b
	}
	ns := r.PathValue("ns")
	if _, err := a.trust.AddKey(r.Context(), p, ns, r.PathValue("name"), pem); err != nil {
		return err
	}
	return a.writeProtection(w, r, ns)
}

func deleteTrustedKeyAPI(a *api, w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if err := a.hasTrust(); err != nil {
		return err
	}
	if err := a.trust.RemoveKey(r.Context(), p, r.PathValue("ns"), r.PathValue("name")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
