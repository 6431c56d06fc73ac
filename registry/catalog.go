package registry

import (
	"net/http"
)

// serveCatalog answers GET /v2/_catalog?n=&last= with the repositories the
// caller may pull from (auth.Authorizer.Visible), in byte order.
func (rg *Registry) serveCatalog(w http.ResponseWriter, r *http.Request) {
	n, last, err := pageParams(r)
	if err != nil {
		rg.writeError(w, r, err)
		return
	}
	ctx := r.Context()
	repos := []string{}
	more := false
	// Read in batches and filter, until the page is full or the list ends.
	const batch = 500
	for n != 0 && !more {
		names, err := rg.st.Repositories(ctx, last, batch)
		if err != nil {
			rg.writeError(w, r, err)
			return
		}
		for _, name := range names {
			if !rg.visible(ctx, name) {
				continue
			}
			if n > 0 && len(repos) == n {
				more = true
				break
			}
			repos = append(repos, name)
		}
		if len(names) < batch {
			break
		}
		last = names[len(names)-1]
	}
	if more {
		nextLink(w, r.URL.Path, n, repos[len(repos)-1])
	}
	writeJSON(w, r, "application/json", struct {
		Repositories []string `json:"repositories"`
	}{repos})
}
