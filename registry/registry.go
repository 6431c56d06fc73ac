// Package registry is drydock's private registry: its own implementation of
// the OCI distribution spec v1.1 HTTP API under /v2/ — blobs (sha256 and
// sha512), chunked, streamed and monolithic uploads, cross-repository
// mounts, manifests by tag and digest, tag listing, the referrers API and
// the catalog. Metadata lives in the store, bytes in the blob store, and
// every request is authorized through auth.Authorizer.
//
// Every change and every served manifest or blob goes through one Service
// (service*.go), which the REST API calls too: it asks a Gate before
// serving or tagging, enforces immutable tags and publishes Events to
// Listeners, the audit trail being one of them. Handlers are one file per
// resource (blobs.go, uploads.go, manifests.go, tags.go, referrers.go,
// catalog.go); wire errors are one table (errors.go).
package registry

import (
	"errors"
	"hash/fnv"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/drydock/drydock/blobstore"
	"github.com/drydock/drydock/store"
)

// Registry serves /v2/. It is safe for concurrent use.
type Registry struct {
	st    *store.Store
	blobs *blobstore.Store
	svc   *Service
	o     options
	log   *slog.Logger
	m     *metrics

	// uploadMu serialises requests on one upload session within this
	// process (striped by id, so nothing accumulates); the store's offset
	// check catches concurrent requests on other replicas.
	uploadMu [64]sync.Mutex
}

var _ http.Handler = (*Registry)(nil)

// ErrNoAuthorizer means New was given neither an Authorizer nor explicit
// anonymous access.
var ErrNoAuthorizer = errors.New("registry: no authorizer: pass WithAuthorizer, or WithAnonymousAccess to run an open registry on purpose")

// New builds the registry on st and blobs. Without WithAuthorizer it
// refuses to start unless WithAnonymousAccess is given.
func New(st *store.Store, blobs *blobstore.Store, opts ...Option) (*Registry, error) {
	if st == nil || blobs == nil {
		return nil, errors.New("registry: New needs a store and a blob store")
	}
	o, err := buildOptions(opts)
	if err != nil {
		return nil, err
	}
	if o.authorizer == nil && !o.anonymous {
		return nil, ErrNoAuthorizer
	}
	m, err := newMetrics(o.registerer)
	if err != nil {
		return nil, err
	}
	svc, err := newService(st, blobs, o)
	if err != nil {
		return nil, err
	}
	return &Registry{st: st, blobs: blobs, svc: svc, o: o, log: o.logger, m: m}, nil
}

// Service is the registry's content service, for the REST API and tools.
func (rg *Registry) Service() *Service { return rg.svc }

// Close waits for queued events to reach the listeners. Requests served
// after Close deliver their events synchronously.
func (rg *Registry) Close() error { return rg.svc.Close() }

// allowed lists the methods each resource answers.
var allowed = map[kind][]string{
	kindBase:        {http.MethodGet, http.MethodHead},
	kindCatalog:     {http.MethodGet},
	kindTags:        {http.MethodGet},
	kindManifest:    {http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete},
	kindBlob:        {http.MethodGet, http.MethodHead, http.MethodDelete},
	kindUploadStart: {http.MethodPost},
	kindUpload:      {http.MethodGet, http.MethodPatch, http.MethodPut, http.MethodDelete},
	kindReferrers:   {http.MethodGet},
}

func (rg *Registry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &recorder{ResponseWriter: w}
	body := &countingBody{ReadCloser: r.Body}
	r.Body = body
	rt := parseRoute(r.URL.Path)
	defer func() {
		rg.m.requests.WithLabelValues(r.Method, rt.kind.String(), rec.statusText()).Inc()
		rg.m.latency.WithLabelValues(r.Method, rt.kind.String()).Observe(time.Since(start).Seconds())
		rg.m.bytesIn.Add(float64(body.n))
		rg.m.bytesOut.Add(float64(rec.bytes))
	}()
	rec.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
	rg.serve(rec, r, rt)
}

func (rg *Registry) serve(w http.ResponseWriter, r *http.Request, rt route) {
	if rt.kind == kindNone {
		rg.writeError(w, r, newError(CodeNotFound, "%s", r.URL.Path))
		return
	}
	if !slices.Contains(allowed[rt.kind], r.Method) {
		w.Header().Set("Allow", strings.Join(allowed[rt.kind], ", "))
		rg.writeError(w, r, newError(CodeUnsupported, "%s %s", r.Method, rt.kind))
		return
	}
	if rt.name != "" && !validName(rt.name) {
		rg.writeError(w, r, newError(CodeNameInvalid, "%q", rt.name))
		return
	}
	if rg.o.readOnly && r.Method != http.MethodGet && r.Method != http.MethodHead {
		rg.writeError(w, r, newError(CodeReadOnly, ""))
		return
	}
	if r = rg.authorize(w, r, rt); r == nil {
		return
	}
	switch rt.kind {
	case kindBase:
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "2")
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodGet {
			w.Write([]byte("{}"))
		}
	case kindCatalog:
		rg.serveCatalog(w, r)
	case kindTags:
		rg.serveTags(w, r, rt)
	case kindManifest:
		rg.serveManifest(w, r, rt)
	case kindBlob:
		rg.serveBlob(w, r, rt)
	case kindUploadStart:
		rg.startUpload(w, r, rt)
	case kindUpload:
		rg.serveUpload(w, r, rt)
	case kindReferrers:
		rg.serveReferrers(w, r, rt)
	}
}

// lockUpload serialises work on one upload session; call the result to unlock.
func (rg *Registry) lockUpload(id string) func() {
	h := fnv.New32a()
	h.Write([]byte(id))
	mu := &rg.uploadMu[h.Sum32()%uint32(len(rg.uploadMu))]
	mu.Lock()
	return mu.Unlock
}
