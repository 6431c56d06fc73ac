package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/webhook"
)

// Webhooks keeps the namespaces' webhook endpoints and their delivery
// logs; *webhook.Sender provides it.
type Webhooks interface {
	AddEndpoint(ctx context.Context, actor auth.Principal, namespace, url, secret string, events []string) (webhook.Endpoint, error)
	Endpoints(ctx context.Context, namespace string) ([]webhook.Endpoint, error)
	Endpoint(ctx context.Context, id int64) (webhook.Endpoint, error)
	RemoveEndpoint(ctx context.Context, actor auth.Principal, id int64) error
	Deliveries(ctx context.Context, id int64, n int) ([]webhook.Delivery, error)
}

var _ Webhooks = (*webhook.Sender)(nil)

// WithWebhooks answers the webhook routes from h. Default: none, and those
// routes answer 404.
func WithWebhooks(h Webhooks) Option {
	return func(a *api) error {
		if h == nil {
			return errors.New("api: WithWebhooks: nil webhooks")
		}
		a.hooks = h
		return nil
	}
}

func init() {
	routes = append(routes,
		route{"GET", "/api/v1/namespaces/{ns}/webhooks", listWebhooksAPI},
		route{"POST", "/api/v1/namespaces/{ns}/webhooks", addWebhookAPI},
		route{"DELETE", "/api/v1/namespaces/{ns}/webhooks/{id}", removeWebhookAPI},
		route{"GET", "/api/v1/namespaces/{ns}/webhooks/{id}/deliveries", webhookDeliveriesAPI},
	)
}

// webhookAdmin checks that webhooks are served and p administers the
// route's namespace; it returns the namespace.
func (a *api) webhookAdmin(r *http.Request, p auth.Principal, action string) (string, error) {
	if a.hooks == nil {
		return "", errNotFoundf("this server sends no webhooks")
	}
	ns := r.PathValue("ns")
	if err := auth.ValidateNamespace(ns); err != nil {
		return "", err
	}
	return ns, a.auth.RequireNamespaceAdmin(r.Context(), p, ns, action, ns)
}

// endpointOf reads the route's webhook id and checks it is ns's.
func (a *api) endpointOf(r *http.Request, ns string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, inputErrorf("webhook id %q: a positive number", r.PathValue("id"))
	}
	ep, err := a.hooks.Endpoint(r.Context(), id)
	if err != nil {
		return 0, notFound(err)
	}
	if ep.Namespace != ns {
		return 0, errNotFoundf("webhook %d in namespace %s", id, ns)
	}
	return id, nil
}

// notFound maps the webhook package's missing endpoint to a 404.
func notFound(err error) error {
	if errors.Is(err, webhook.ErrNotFound) {
		return errNotFoundf("%v", err)
	}
	return err
}

func listWebhooksAPI(a *api, w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	ns, err := a.webhookAdmin(r, p, "webhook.list")
	if err != nil {
		return err
	}
	eps, err := a.hooks.Endpoints(r.Context(), ns)
	if err != nil {
		return err
	}
	writeList(w, "webhooks", eps, func(e webhook.Endpoint) webhook.Endpoint { return e })
	return nil
}

func addWebhookAPI(a *api, w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in struct {
		URL    string   `json:"url"`
		Secret string   `json:"secret"`
		Events []string `json:"events"`
	}
	if err := readJSON(r, &in); err != nil {
		return err
	}
	ns, err := a.webhookAdmin(r, p, "webhook.add")
	if err != nil {
		return err
	}
	ep, err := a.hooks.AddEndpoint(r.Context(), p, ns, in.URL, in.Secret, in.Events)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, ep)
	return nil
}

func removeWebhookAPI(a *api, w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	ns, err := a.webhookAdmin(r, p, "webhook.remove")
	if err != nil {
		return err
	}
	id, err := a.endpointOf(r, ns)
	if err != nil {
		return err
	}
	return noContent(w, notFound(a.hooks.RemoveEndpoint(r.Context(), p, id)))
}

func webhookDeliveriesAPI(a *api, w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	ns, err := a.webhookAdmin(r, p, "webhook.deliveries")
	if err != nil {
		return err
	}
	id, err := a.endpointOf(r, ns)
	if err != nil {
		return err
	}
	limit, err := pageLimit(r.URL.Query().Get("limit"))
	if err != nil {
		return err
	}
	ds, err := a.hooks.Deliveries(r.Context(), id, limit)
	if err != nil {
		return notFound(err)
	}
	writeList(w, "deliveries", ds, func(d webhook.Delivery) webhook.Delivery { return d })
	return nil
}
