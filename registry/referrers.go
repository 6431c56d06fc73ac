package registry

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/drydock/drydock/store"
)

// A referrers page holds at most referrersPageCount descriptors and stops
// growing once its body passes referrersPageBytes (a descriptor is never
// split, so one with huge annotations makes a page of one). The rest
// follows through the Link header, as the distribution spec allows, so no
// subject's referrers — however many, however large — are ever held whole.
const (
	referrersPageCount = 500
	referrersPageBytes = 1 << 20
)

// serveReferrers answers GET /v2/<name>/referrers/<digest>?artifactType=
// with an OCI image index of the manifests whose subject is <digest>. An
// unknown subject or repository has an empty list, not a 404: referrers
// may be pushed before (or without) their subject. Rows are read one at a
// time into a bounded page; a next page is announced with
// Link: <…?last=DIGEST>; rel="next".
func (rg *Registry) serveReferrers(w http.ResponseWriter, r *http.Request, rt route) {
	d, err := parseDigest(rt.ref)
	if err != nil {
		rg.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	at := q.Get("artifactType")
	last := q.Get("last")
	if last != "" {
		if _, err := parseDigest(last); err != nil {
			rg.writeError(w, r, newError(CodePaginationInvalid, "last=%q is not a digest from a Link header", last))
			return
		}
	}
	var body bytes.Buffer
	body.WriteString(`{"schemaVersion":2,"mediaType":"` + mediaOCIIndex + `","manifests":[`)
	n, next, lastDigest := 0, "", ""
	err = rg.st.EachReferrer(r.Context(), rt.name, d.String(), at, last, func(ref store.ReferrerRow) (bool, error) {
		if n == referrersPageCount || body.Len() >= referrersPageBytes {
			next = lastDigest
			return false, nil
		}
		if n > 0 {
			body.WriteByte(',')
		}
		if err := writeDescriptor(&body, ref); err != nil {
			return false, err
		}
		lastDigest = ref.Digest
		n++
		return true, nil
	})
	if err != nil {
		rg.writeError(w, r, err)
		return
	}
	body.WriteString("]}")
	if at != "" {
		w.Header().Set("OCI-Filters-Applied", "artifactType")
	}
	if next != "" {
		v := url.Values{"last": {next}}
		if at != "" {
			v.Set("artifactType", at)
		}
		w.Header().Set("Link", `<`+r.URL.Path+"?"+v.Encode()+`>; rel="next"`)
	}
	w.Header().Set("Content-Type", mediaOCIIndex)
	w.Header().Set("Content-Length", strconv.Itoa(body.Len()))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body.Bytes())
	}
}

// writeDescriptor appends ref as an OCI descriptor, its stored annotations
// copied as they are.
func writeDescriptor(b *bytes.Buffer, ref store.ReferrerRow) error {
	head, err := json.Marshal(struct {
		MediaType    string `json:"mediaType"`
		Digest       string `json:"digest"`
		Size         int64  `json:"size"`
		ArtifactType string `json:"artifactType,omitempty"`
	}{ref.MediaType, ref.Digest, ref.Size, ref.ArtifactType})
	if err != nil {
		return err
	}
	if len(ref.Annotations) == 0 || bytes.Equal(ref.Annotations, []byte("null")) || bytes.Equal(ref.Annotations, []byte("{}")) {
		b.Write(head)
		return nil
	}
	b.Write(head[:len(head)-1])
	b.WriteString(`,"annotations":`)
	b.Write(ref.Annotations)
	b.WriteByte('}')
	return nil
}
