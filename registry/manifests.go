package registry

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/blobstore"
	"github.com/drydock/drydock/store"
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
	m, err := rg.st.GetManifest(r.Context(), rt.name, rt.ref)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			err = newError(CodeManifestUnknown, "%s", rt.ref)
		}
		rg.writeError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", m.MediaType)
	h.Set("Content-Length", strconv.Itoa(len(m.Content)))
	h.Set("Docker-Content-Digest", m.Digest)
	h.Set("ETag", `"`+m.Digest+`"`)
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return
	}
	w.WriteHeader(http.StatusOK)
	w.Write(m.Content)
	rg.m.pulls.Inc()
	rg.markPulled(rt.name, m.Digest)
	rg.audit(r, auditlog.Event{Action: "pull", Repo: rt.name, Target: m.Digest, Outcome: auditlog.OutcomeAllowed})
}

func (rg *Registry) putManifest(w http.ResponseWriter, r *http.Request, rt route, isDigest bool) {
	ctx := r.Context()
	body, err := io.ReadAll(io.LimitReader(r.Body, rg.o.maxManifest+1))
	if err != nil {
		rg.writeError(w, r, err)
		return
	}
	if int64(len(body)) > rg.o.maxManifest {
		rg.writeError(w, r, newError(CodeManifestTooBig, "over %d bytes", rg.o.maxManifest))
		return
	}
	var d blobstore.Digest
	var tags []string
	if isDigest {
		want, _ := blobstore.ParseDigest(rt.ref) // checked by serveManifest
		if d = blobstore.FromBytes(want.Algorithm, body); d != want {
			rg.writeError(w, r, newError(CodeDigestInvalid, "manifest hashes to %s, pushed as %s", d, want))
			return
		}
	} else {
		d = blobstore.FromBytes("sha256", body)
		tags = append(tags, rt.ref)
	}
	// Tags may also come as ?tag= parameters on a push by digest (the
	// distribution spec's way to tag content under a non-canonical digest).
	for _, t := range r.URL.Query()["tag"] {
		if !validTag(t) {
			rg.writeError(w, r, newError(CodeTagInvalid, "%q", t))
			return
		}
		tags = append(tags, t)
	}
	pm, err := parseManifest(body, r.Header.Get("Content-Type"))
	if err != nil {
		rg.writeError(w, r, err)
		return
	}
	if rg.o.sparse && len(pm.blobs) > 1 {
		pm.blobs = pm.blobs[:1] // the config only
	}
	m := &store.Manifest{
		Repo: rt.name, Digest: d.String(), MediaType: pm.mediaType, Content: body,
		Subject: pm.subject, ArtifactType: pm.artifactType, ConfigMediaType: pm.configMediaType,
		Annotations: pm.annotations, Blobs: pm.blobs,
	}
	if err := rg.st.PutManifest(ctx, m, tags...); err != nil {
		if errors.Is(err, store.ErrMissingReference) {
			err = newError(CodeManifestBlobUnknown, "%w", err)
		}
		rg.writeError(w, r, err)
		return
	}
	rg.m.pushes.Inc()
	rg.audit(r, auditlog.Event{Action: "push", Repo: rt.name, Target: targetOf(d.String(), tags), Outcome: auditlog.OutcomeAllowed})
	h := w.Header()
	h.Set("Location", "/v2/"+rt.name+"/manifests/"+d.String())
	h.Set("Docker-Content-Digest", d.String())
	if pm.subject != "" {
		h.Set("OCI-Subject", pm.subject)
	}
	if isDigest && len(tags) > 0 {
		h.Set("OCI-Tag", strings.Join(tags, ","))
	}
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusCreated)
}

func targetOf(digest string, tags []string) string {
	if len(tags) == 0 {
		return digest
	}
	return digest + " as " + strings.Join(tags, ",")
}

func (rg *Registry) deleteManifest(w http.ResponseWriter, r *http.Request, rt route, isDigest bool) {
	ctx := r.Context()
	var err error
	if isDigest {
		err = rg.st.DeleteManifest(ctx, rt.name, rt.ref)
	} else {
		err = rg.st.DeleteTag(ctx, rt.name, rt.ref)
	}
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			err = newError(CodeManifestUnknown, "%s", rt.ref)
		}
		rg.writeError(w, r, err)
		return
	}
	rg.audit(r, auditlog.Event{Action: "delete", Repo: rt.name, Target: rt.ref, Outcome: auditlog.OutcomeAllowed})
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusAccepted)
}
