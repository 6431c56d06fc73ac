package registry

import (
	"net/http"
)

// serveReferrers answers GET /v2/<name>/referrers/<digest>?artifactType=
// with an OCI image index of the manifests whose subject is <digest>. An
// unknown subject or repository has an empty list, not a 404: referrers
// may be pushed before (or without) their subject.
func (rg *Registry) serveReferrers(w http.ResponseWriter, r *http.Request, rt route) {
	d, err := parseDigest(rt.ref)
	if err != nil {
		rg.writeError(w, r, err)
		return
	}
	at := r.URL.Query().Get("artifactType")
	refs, err := rg.st.Referrers(r.Context(), rt.name, d.String(), at)
	if err != nil {
		rg.writeError(w, r, err)
		return
	}
	list := make([]descriptor, 0, len(refs))
	for _, ref := range refs {
		list = append(list, descriptor{
			MediaType: ref.MediaType, Digest: ref.Digest, Size: ref.Size,
			ArtifactType: ref.ArtifactType, Annotations: ref.Annotations,
		})
	}
	if at != "" {
		w.Header().Set("OCI-Filters-Applied", "artifactType")
	}
	writeJSON(w, r, mediaOCIIndex, struct {
		SchemaVersion int          `json:"schemaVersion"`
		MediaType     string       `json:"mediaType"`
		Manifests     []descriptor `json:"manifests"`
	}{2, mediaOCIIndex, list})
}
