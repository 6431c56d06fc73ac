package registry

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/opencontainers/go-digest"
)

// serveManifest answers GET, HEAD, PUT and DELETE on
// /v2/<name>/manifests/<tag or digest>.
func (rg *Registry) serveManifest(w http.ResponseWriter, r *http.Request, rt route) {
	isDigest := strings.Contains(rt.ref, ":")
	if isDigest {
		if _, err := parseDigest(rt.ref); err != nil {
			rg.writeError(w, r, err)
			return
		}
	} else if !validTag(rt.ref) {
		rg.writeError(w, r, newError(CodeTagInvalid, "%q", rt.ref))
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		rg.getManifest(w, r, rt)
	case http.MethodPut:
		rg.putManifest(w, r, rt, isDigest)
	case http.MethodDelete:
		rg.deleteManifest(w, r, rt, isDigest)
	}
}

func (rg *Registry) getManifest(w http.ResponseWriter, r *http.Request, rt route) {
	fetch := r.Method == http.MethodGet
	m, err := rg.svc.Manifest(r.Context(), callerOf(r), rt.name, rt.ref, fetch)
	if err != nil {
		rg.writeError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", m.MediaType)
	h.Set("Content-Length", strconv.Itoa(len(m.Content)))
	h.Set("Docker-Content-Digest", m.Digest)
	h.Set("ETag", `"`+m.Digest+`"`)
	w.WriteHeader(http.StatusOK)
	if fetch {
		w.Write(m.Content)
		rg.m.pulls.Inc()
	}
}

func (rg *Registry) putManifest(w http.ResponseWriter, r *http.Request, rt route, isDigest bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, rg.o.maxManifest+1))
	if err != nil {
		rg.writeError(w, r, err)
		return
	}
	p := Push{Repo: rt.name, Body: body, ContentType: r.Header.Get("Content-Type")}
	if isDigest {
		p.Digest = digest.Digest(rt.ref)
	} else {
		p.Tags = append(p.Tags, rt.ref)
	}
	// Tags may also come as ?tag= parameters on a push by digest (the
	// distribution spec's way to tag content under a non-canonical digest).
	p.Tags = append(p.Tags, r.URL.Query()["tag"]...)
	res, err := rg.svc.PutManifest(r.Context(), callerOf(r), p)
	if err != nil {
		rg.writeError(w, r, err)
		return
	}
	rg.m.pushes.Inc()
	h := w.Header()
	h.Set("Location", "/v2/"+rt.name+"/manifests/"+res.Digest.String())
	h.Set("Docker-Content-Digest", res.Digest.String())
	if res.Subject != "" {
		h.Set("OCI-Subject", res.Subject.String())
	}
	if isDigest && len(p.Tags) > 0 {
		h.Set("OCI-Tag", strings.Join(p.Tags, ","))
	}
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusCreated)
}

func (rg *Registry) deleteManifest(w http.ResponseWriter, r *http.Request, rt route, isDigest bool) {
	var err error
	if isDigest {
		err = rg.svc.DeleteManifest(r.Context(), callerOf(r), rt.name, digest.Digest(rt.ref))
	} else {
		err = rg.svc.DeleteTag(r.Context(), callerOf(r), rt.name, rt.ref)
	}
	if err != nil {
		rg.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusAccepted)
}
