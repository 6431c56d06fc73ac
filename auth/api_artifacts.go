package auth

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/blobstore"
)

// Content is what the repository and artifact routes of the API read from
// and delete in the registry; registry.(*Registry).Content provides it.
// Errors wrapping ErrNotFound answer 404 and ErrForbidden 403.
type Content interface {
	// Repositories lists repositories holding content whose names start
	// with prefix, in name order after `after`, at most n.
	Repositories(ctx context.Context, prefix, after string, n int) ([]Repository, error)
	// Artifacts lists repo's manifests newest push first, after the cursor.
	Artifacts(ctx context.Context, repo string, after ArtifactCursor, n int) ([]Artifact, error)
	Artifact(ctx context.Context, repo, digest string) (Artifact, error)
	// Referrers lists the manifests in repo whose subject is digest.
	Referrers(ctx context.Context, repo, digest string) ([]Referrer, error)
	// DeleteArtifact and DeleteTag do what a registry DELETE does.
	DeleteArtifact(ctx context.Context, repo, digest string) error
	DeleteTag(ctx context.Context, repo, tag string) error
}

// Repository is one repository as the API lists it.
type Repository struct {
	Name          string     `json:"name"`
	ArtifactCount int64      `json:"artifact_count"`
	TagCount      int64      `json:"tag_count"`
	PushedAt      time.Time  `json:"pushed_at"`
	PulledAt      *time.Time `json:"pulled_at,omitempty"`
}

// Artifact is one manifest of a repository.
type Artifact struct {
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
	// Referrers is set only when one artifact is asked for.
	Referrers []Referrer `json:"referrers,omitempty"`
}

// Referrer is a manifest whose subject is the artifact asked about.
type Referrer struct {
	Digest       string            `json:"digest"`
	MediaType    string            `json:"media_type"`
	ArtifactType string            `json:"artifact_type,omitempty"`
	Size         int64             `json:"size"`
	Annotations  map[string]string `json:"annotations,omitempty"`
}

// ArtifactCursor is where a page of artifacts ended: the last one's push
// time and digest. The zero value is the first page.
type ArtifactCursor struct {
	PushedAt time.Time
	Digest   string
}

type contentKey struct{}

// RegistryAPIHandler is APIHandler with the repository and artifact routes
// answered from c. The routes live in the same table as the account routes
// (one authentication path, one error mapping, one OpenAPI check); c rides
// in the request context so that APIHandler itself stays as it is. Without
// c, as from plain APIHandler, those routes answer 404.
func (s *Service) RegistryAPIHandler(audit AuditQuerier, c Content) http.Handler {
	h := s.APIHandler(audit)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), contentKey{}, c)))
	})
}

func contentOf(r *http.Request) (Content, error) {
	c, _ := r.Context().Value(contentKey{}).(Content)
	if c == nil {
		return nil, errNotFoundf("this server serves no registry")
	}
	return c, nil
}

// Repository names hold slashes, and a ServeMux wildcard matching several
// segments must come last, so a route names the namespace as one segment
// and the rest of the name as another, with any further '/' written %2F:
// team/app is …/repositories/team/app/…, team/tools/app is
// …/repositories/team/tools%2Fapp/…. Nothing else can match.
func init() {
	apiRoutes = append(apiRoutes,
		apiRoute{"GET", "/api/v1/repositories", listRepositoriesAPI},
		apiRoute{"GET", "/api/v1/repositories/{ns}/{repo}/artifacts", listArtifactsAPI},
		apiRoute{"GET", "/api/v1/repositories/{ns}/{repo}/artifacts/{digest}", getArtifactAPI},
		apiRoute{"DELETE", "/api/v1/repositories/{ns}/{repo}/artifacts/{digest}", deleteArtifactAPI},
		apiRoute{"DELETE", "/api/v1/repositories/{ns}/{repo}/tags/{tag}", deleteTagAPI},
	)
}

// tagRE is the distribution spec's tag grammar, which the registry enforces too.
var tagRE = regexp.MustCompile(`^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$`)

// repoOf reads and checks the repository a route names.
func repoOf(r *http.Request) (string, error) {
	ns, rest := r.PathValue("ns"), r.PathValue("repo")
	name := ns + "/" + rest
	if err := ValidateNamespace(ns); err != nil {
		return "", err
	}
	for _, c := range strings.Split(rest, "/") {
		if len(c) > maxComponent || !componentRE.MatchString(c) {
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

// requireRepo lets p do action on repo or answers 403, with the reason in
// the audit log only: the answer must not tell outsiders which
// namespaces exist.
func (a *api) requireRepo(r *http.Request, p Principal, repo, action string) error {
	acts, reason, err := a.s.allowed(r.Context(), p, repo)
	if err != nil {
		return err
	}
	for _, got := range acts {
		if got == action {
			return nil
		}
	}
	a.s.record(r.Context(), auditlog.Event{Actor: p.Name, Action: action, Repo: repo, Target: r.PathValue("digest") + r.PathValue("tag"),
		Outcome: auditlog.OutcomeDenied, Reason: "api: " + reason, Addr: clientAddr(r)})
	who := p.Name
	if who == "" {
		who = "anonymous"
	}
	return fmt.Errorf("%w: %s may not %s %s", ErrForbidden, who, action, repo)
}

func listRepositoriesAPI(a *api, w http.ResponseWriter, r *http.Request, p Principal) error {
	c, err := contentOf(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	prefix := ""
	if ns := q.Get("namespace"); ns != "" {
		if err := ValidateNamespace(ns); err != nil {
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
		ns, _ := NamespaceOf(repo)
		v, ok := seen[ns]
		if !ok {
			v = a.s.Visible(r.Context(), p, repo)
			seen[ns] = v
		}
		return v
	}
	out := []Repository{}
	more := true
	for more && len(out) < limit {
		batch, err := c.Repositories(r.Context(), prefix, after, limit)
		if err != nil {
			return err
		}
		more = len(batch) == limit
		for i, repo := range batch {
			after = repo.Name
			if !visible(repo.Name) {
				continue
			}
			out = append(out, repo)
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

func listArtifactsAPI(a *api, w http.ResponseWriter, r *http.Request, p Principal) error {
	c, err := contentOf(r)
	if err != nil {
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
	if err := a.requireRepo(r, p, repo, ActionPull); err != nil {
		return err
	}
	// One more than the page tells whether there is a next page.
	arts, err := c.Artifacts(r.Context(), repo, cur, limit+1)
	if err != nil {
		return err
	}
	body := map[string]any{}
	if len(arts) > limit {
		arts = arts[:limit]
		last := arts[limit-1]
		body["next_cursor"] = encodeCursor(fmt.Sprintf("%d/%s", last.PushedAt.UnixNano(), last.Digest))
	}
	body["artifacts"] = arts
	writeJSON(w, http.StatusOK, body)
	return nil
}

func getArtifactAPI(a *api, w http.ResponseWriter, r *http.Request, p Principal) error {
	c, repo, digest, err := artifactRequest(a, r, p, ActionPull)
	if err != nil {
		return err
	}
	art, err := c.Artifact(r.Context(), repo, digest)
	if err != nil {
		return err
	}
	if art.Referrers, err = c.Referrers(r.Context(), repo, digest); err != nil {
		return err
	}
	if art.Referrers == nil {
		art.Referrers = []Referrer{}
	}
	writeJSON(w, http.StatusOK, art)
	return nil
}

func deleteArtifactAPI(a *api, w http.ResponseWriter, r *http.Request, p Principal) error {
	c, repo, digest, err := artifactRequest(a, r, p, ActionDelete)
	if err != nil {
		return err
	}
	if err := c.DeleteArtifact(r.Context(), repo, digest); err != nil {
		return err
	}
	a.s.record(r.Context(), auditlog.Event{Actor: p.Name, Action: "delete", Repo: repo, Target: digest, Outcome: auditlog.OutcomeAllowed, Reason: "api", Addr: clientAddr(r)})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func deleteTagAPI(a *api, w http.ResponseWriter, r *http.Request, p Principal) error {
	c, err := contentOf(r)
	if err != nil {
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
	if err := a.requireRepo(r, p, repo, ActionDelete); err != nil {
		return err
	}
	if err := c.DeleteTag(r.Context(), repo, tag); err != nil {
		return err
	}
	a.s.record(r.Context(), auditlog.Event{Actor: p.Name, Action: "delete", Repo: repo, Target: tag, Outcome: auditlog.OutcomeAllowed, Reason: "api", Addr: clientAddr(r)})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// artifactRequest checks what every …/artifacts/{digest} route needs, bad
// input before rights, as the rest of the API does.
func artifactRequest(a *api, r *http.Request, p Principal, action string) (Content, string, string, error) {
	c, err := contentOf(r)
	if err != nil {
		return nil, "", "", err
	}
	repo, err := repoOf(r)
	if err != nil {
		return nil, "", "", err
	}
	digest, err := digestOf(r)
	if err != nil {
		return nil, "", "", err
	}
	if err := a.requireRepo(r, p, repo, action); err != nil {
		return nil, "", "", err
	}
	return c, repo, digest, nil
}
