package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	godigest "github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/blobstore"
	"github.com/drydock/drydock/registry"
	"github.com/drydock/drydock/store"
)

// Content is what the repository and artifact routes read; *store.Store
// provides it. A missing repository or manifest is store.ErrNotFound.
type Content interface {
	RepositorySummaries(ctx context.Context, prefix, after string, n int) ([]store.RepositorySummary, error)
	Artifacts(ctx context.Context, repo string, after store.ArtifactCursor, n int) ([]store.Artifact, error)
	GetArtifact(ctx context.Context, repo, digest string) (store.Artifact, error)
	EachReferrer(ctx context.Context, repo, subject, artifactType, after string, fn func(store.ReferrerRow) (bool, error)) error
}

var _ Content = (*store.Store)(nil)

// Registry changes the registry's content; *registry.Service provides it,
// the same service DELETE on /v2/ calls. The API authorizes the caller;
// the service enforces immutable tags and read-only mode, and audits the
// delete as the caller's.
type Registry interface {
	DeleteManifest(ctx context.Context, c registry.Caller, repo string, d godigest.Digest) error
	DeleteTag(ctx context.Context, c registry.Caller, repo, tag string) error
}

var _ Registry = (*registry.Service)(nil)

// callerOf is the service's view of who calls.
func callerOf(r *http.Request, p auth.Principal) registry.Caller {
	return registry.Caller{Principal: p, Addr: auth.ClientAddr(r)}
}

// JSON shapes of the repository and artifact routes.
type (
	repository struct {
		Name          string     `json:"name"`
		ArtifactCount int64      `json:"artifact_count"`
		TagCount      int64      `json:"tag_count"`
		PushedAt      time.Time  `json:"pushed_at"`
		PulledAt      *time.Time `json:"pulled_at,omitempty"`
	}
	artifact struct {
		Digest       string     `json:"digest"`
		MediaType    string     `json:"media_type"`
		ArtifactType string     `json:"artifact_type,omitempty"`
		Size         int64      `json:"size"`
		Tags         []string   `json:"tags"`
		PushedAt     time.Time  `json:"pushed_at"`
		LastPulledAt *time.Time `json:"last_pulled_at,omitempty"`
		// Subject is the digest of the manifest this one refers to (a
		// signature's or an SBOM's image), or "".
		Subject string `json:"subject,omitempty"`
		// Referrers is set only when one artifact is asked for: one page,
		// and ReferrersNext the cursor of the next.
		Referrers     []referrer `json:"referrers,omitempty"`
		ReferrersNext string     `json:"referrers_next_cursor,omitempty"`
	}
	referrer struct {
		Digest       string          `json:"digest"`
		MediaType    string          `json:"media_type"`
		ArtifactType string          `json:"artifact_type,omitempty"`
		Size         int64           `json:"size"`
		Annotations  json.RawMessage `json:"annotations,omitempty"`
	}
)

func toArtifact(a store.Artifact) artifact {
	at := a.ArtifactType
	if at == "" {
		// An image's type is its config's, as the OCI spec defines artifactType.
		at = a.ConfigMediaType
	}
	return artifact{Digest: a.Digest, MediaType: a.MediaType, ArtifactType: at, Size: a.Size, Tags: a.Tags,
		PushedAt: a.PushedAt, LastPulledAt: timeOrNil(a.LastPulled), Subject: a.Subject}
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// Repository names hold slashes, and a ServeMux wildcard matching several
// segments must come last, so a route names the namespace as one segment
// and the rest of the name as another, with any further '/' written %2F:
// team/app is …/repositories/team/app/…, team/tools/app is
// …/repositories/team/tools%2Fapp/…. Nothing else can match.
func init() {
	routes = append(routes,
		route{"GET", "/api/v1/repositories", listRepositoriesAPI},
		route{"GET", "/api/v1/repositories/{ns}/{repo}/artifacts", listArtifactsAPI},
		route{"GET", "/api/v1/repositories/{ns}/{repo}/artifacts/{digest}", getArtifactAPI},
		route{"DELETE", "/api/v1/repositories/{ns}/{repo}/artifacts/{digest}", deleteArtifactAPI},
		route{"DELETE", "/api/v1/repositories/{ns}/{repo}/tags/{tag}", deleteTagAPI},
	)
}

// maxReferrersBytes stops a page of an artifact's referrers once their
// annotations pass it (a referrer is never split).
const maxReferrersBytes = 1 << 20

// tagRE is the distribution spec's tag grammar, which the registry enforces too.
var tagRE = regexp.MustCompile(`^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$`)

// hasRegistry answers 404 when the API serves no registry.
func (a *api) hasRegistry() error {
	if a.content == nil {
		return errNotFoundf("this server serves no registry")
	}
	return nil
}

// repoOf reads and checks the repository a route names.
func repoOf(r *http.Request) (string, error) {
	ns, rest := r.PathValue("ns"), r.PathValue("repo")
	name := ns + "/" + rest
	if err := auth.ValidateNamespace(ns); err != nil {
		return "", err
	}
	for _, c := range strings.Split(rest, "/") {
		if !auth.ValidComponent(c) {
			return "", inputErrorf("invalid repository name %q (path components of lower-case letters, digits and . _ - separators; write a '/' after the namespace's as %%2F)", name)
		}
	}
	if len(name) > 255 {
		return "", inputErrorf("repository name %q is over 255 characters", name)
	}
	return name, nil
}

func digestOf(r *http.Request) (string, error) {
	raw := r.PathValue("digest")
	d, err := blobstore.ParseDigest(raw)
	if err != nil {
		return "", inputErrorf("digest %q: %v", raw, err)
	}
	return d.String(), nil
}

func (a *api) requireRepo(r *http.Request, p auth.Principal, repo, action string) error {
	return a.auth.RequireAction(r, p, repo, action, r.PathValue("digest")+r.PathValue("tag"))
}

func listRepositoriesAPI(a *api, w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if err := a.hasRegistry(); err != nil {
		return err
	}
	q := r.URL.Query()
	prefix := ""
	if ns := q.Get("namespace"); ns != "" {
		if err := auth.ValidateNamespace(ns); err != nil {
			return err
		}
		prefix = ns + "/"
	}
	limit, err := pageLimit(q.Get("limit"))
	if err != nil {
		return err
	}
	after, err := decodeCursor(q.Get("cursor"))
	if err != nil {
		return err
	}
	// Visibility depends on the namespace only, so it is asked once per
	// namespace; invisible repositories are skipped and the next batch read
	// until the page is full.
	seen := map[string]bool{}
	visible := func(repo string) bool {
		ns, _ := auth.NamespaceOf(repo)
		v, ok := seen[ns]
		if !ok {
			v = a.auth.Visible(r.Context(), p, repo)
			seen[ns] = v
		}
		return v
	}
	out := []repository{}
	more := true
	for more && len(out) < limit {
		batch, err := a.content.RepositorySummaries(r.Context(), prefix, after, limit)
		if err != nil {
			return err
		}
		more = len(batch) == limit
		for i, s := range batch {
			after = s.Name
			if !visible(s.Name) {
				continue
			}
			out = append(out, repository{Name: s.Name, ArtifactCount: s.Artifacts, TagCount: s.Tags, PushedAt: s.PushedAt, PulledAt: timeOrNil(s.PulledAt)})
			if len(out) == limit {
				more = more || i < len(batch)-1
				break
			}
		}
	}
	body := map[string]any{"repositories": out}
	if more {
		body["next_cursor"] = encodeCursor(after)
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

func listArtifactsAPI(a *api, w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if err := a.hasRegistry(); err != nil {
		return err
	}
	repo, err := repoOf(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	limit, err := pageLimit(q.Get("limit"))
	if err != nil {
		return err
	}
	cur, err := decodeArtifactCursor(q.Get("cursor"))
	if err != nil {
		return err
	}
	if err := a.requireRepo(r, p, repo, auth.ActionPull); err != nil {
		return err
	}
	// One more than the page tells whether there is a next page.
	arts, err := a.content.Artifacts(r.Context(), repo, cur, limit+1)
	if err != nil {
		return err
	}
	body := map[string]any{}
	if len(arts) > limit {
		arts = arts[:limit]
		last := arts[limit-1]
		body["next_cursor"] = encodeCursor(fmt.Sprintf("%d/%s", last.PushedAt.UnixNano(), last.Digest))
	}
	out := make([]artifact, 0, len(arts))
	for _, art := range arts {
		out = append(out, toArtifact(art))
	}
	body["artifacts"] = out
	writeJSON(w, http.StatusOK, body)
	return nil
}

func getArtifactAPI(a *api, w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	repo, digest, err := a.artifactRequest(r, p, auth.ActionPull)
	if err != nil {
		return err
	}
	sa, err := a.content.GetArtifact(r.Context(), repo, digest)
	if err != nil {
		return err
	}
	art := toArtifact(sa)
	q := r.URL.Query()
	limit, err := pageLimitOf(q, "referrers_limit")
	if err != nil {
		return err
	}
	after, err := decodeCursor(q.Get("referrers_cursor"))
	if err != nil {
		return err
	}
	// Rows are read one at a time and the page stops at limit or at
	// maxReferrersBytes of annotations, so that no subject's referrers
	// are ever held whole.
	art.Referrers = []referrer{}
	size := 0
	err = a.content.EachReferrer(r.Context(), repo, digest, "", after, func(rf store.ReferrerRow) (bool, error) {
		if len(art.Referrers) == limit || size >= maxReferrersBytes {
			art.ReferrersNext = encodeCursor(art.Referrers[len(art.Referrers)-1].Digest)
			return false, nil
		}
		size += len(rf.Annotations)
		art.Referrers = append(art.Referrers, referrer{Digest: rf.Digest, MediaType: rf.MediaType, ArtifactType: rf.ArtifactType, Size: rf.Size, Annotations: rf.Annotations})
		return true, nil
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, art)
	return nil
}

func deleteArtifactAPI(a *api, w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	repo, digest, err := a.artifactRequest(r, p, auth.ActionDelete)
	if err != nil {
		return err
	}
	if err := a.reg.DeleteManifest(r.Context(), callerOf(r, p), repo, godigest.Digest(digest)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func deleteTagAPI(a *api, w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if err := a.hasRegistry(); err != nil {
		return err
	}
	repo, err := repoOf(r)
	if err != nil {
		return err
	}
	tag := r.PathValue("tag")
	if !tagRE.MatchString(tag) {
		return inputErrorf("invalid tag %q (letters, digits, '_', '.' and '-', not starting with '.' or '-', at most 128 characters)", tag)
	}
	if err := a.requireRepo(r, p, repo, auth.ActionDelete); err != nil {
		return err
	}
	if err := a.reg.DeleteTag(r.Context(), callerOf(r, p), repo, tag); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// artifactRequest checks what every …/artifacts/{digest} route needs, bad
// input before rights, as the rest of the API does.
func (a *api) artifactRequest(r *http.Request, p auth.Principal, action string) (string, string, error) {
	if err := a.hasRegistry(); err != nil {
		return "", "", err
	}
	repo, err := repoOf(r)
	if err != nil {
		return "", "", err
	}
	digest, err := digestOf(r)
	if err != nil {
		return "", "", err
	}
	if err := a.requireRepo(r, p, repo, action); err != nil {
		return "", "", err
	}
	return repo, digest, nil
}
