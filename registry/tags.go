package registry

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/drydock/drydock/store"
)

// maxPage bounds one page of tags or repositories.
const maxPage = 10000

// pageParams reads ?n= and ?last=. n is -1 when absent (everything).
func pageParams(r *http.Request) (n int, last string, err error) {
	q := r.URL.Query()
	n = -1
	if s := q.Get("n"); s != "" {
		v, perr := strconv.Atoi(s)
		if perr != nil || v < 0 {
			return 0, "", newError(CodePaginationInvalid, "n=%q", s)
		}
		n = min(v, maxPage)
	}
	return n, q.Get("last"), nil
}

// nextLink sets the RFC 5988 Link header to the following page.
func nextLink(w http.ResponseWriter, path string, n int, last string) {
	q := url.Values{}
	q.Set("n", strconv.Itoa(n))
	q.Set("last", last)
	w.Header().Set("Link", "<"+path+"?"+q.Encode()+`>; rel="next"`)
}

// serveTags answers GET /v2/<name>/tags/list?n=&last=.
func (rg *Registry) serveTags(w http.ResponseWriter, r *http.Request, rt route) {
	n, last, err := pageParams(r)
	if err != nil {
		rg.writeError(w, r, err)
		return
	}
	tags := []string{}
	if n != 0 {
		// One more than asked tells whether another page follows.
		if tags, err = rg.st.Tags(r.Context(), rt.name, last, n+1); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				err = newError(CodeNameUnknown, "%s", rt.name)
			}
			rg.writeError(w, r, err)
			return
		}
		if n > 0 && len(tags) > n {
			tags = tags[:n]
			nextLink(w, r.URL.Path, n, tags[n-1])
		}
	}
	writeJSON(w, r, "application/json", struct {
		Name string   `json:"name"`
		Tags []string `json:"tags"`
	}{rt.name, tags})
}

func writeJSON(w http.ResponseWriter, r *http.Request, contentType string, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}
