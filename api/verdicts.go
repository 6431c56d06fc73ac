package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/jobs"
	"github.com/drydock/drydock/sbom"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/verdict"
)

// Verdicts is what the per-artifact verdict and SBOM routes read;
// *verdict.Store provides it. Missing rows are store.ErrNotFound.
type Verdicts interface {
	Get(ctx context.Context, namespace, digest string) (*store.Verdict, error)
	SBOM(ctx context.Context, digest string) (*inventory.Inventory, time.Time, error)
	HasSBOM(ctx context.Context, digest string) (bool, error)
}

// Jobs is what /api/v1/jobs reads; *jobs.Queue provides it.
type Jobs interface {
	List(ctx context.Context, states []string, before int64, n int) ([]*jobs.Job, error)
	Counts(ctx context.Context) (map[string]int, error)
}

// WithVerdicts answers the artifact verdict and SBOM routes from v.
// Default: none, and those routes answer 404.
func WithVerdicts(v Verdicts) Option {
	return func(a *api) error {
		if v == nil {
			return errors.New("api: WithVerdicts: nil")
		}
		a.verdicts = v
		return nil
	}
}

// WithJobs answers /api/v1/jobs from j. Default: none (404).
func WithJobs(j Jobs) Option {
	return func(a *api) error {
		if j == nil {
			return errors.New("api: WithJobs: nil")
		}
		a.jobs = j
		return nil
	}
}

func init() {
	routes = append(routes,
		route{"GET", "/api/v1/repositories/{ns}/{repo}/artifacts/{digest}/verdict", getVerdictAPI},
		route{"GET", "/api/v1/repositories/{ns}/{repo}/artifacts/{digest}/sbom", getSBOMAPI},
		route{"GET", "/api/v1/jobs", listJobsAPI},
	)
}

func getVerdictAPI(a *api, w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if a.verdicts == nil {
		return errNotFoundf("this server keeps no verdicts")
	}
	repo, digest, err := a.artifactRequest(r, p, auth.ActionPull)
	if err != nil {
		return err
	}
	if _, err := a.content.GetArtifact(r.Context(), repo, digest); err != nil {
		return err
	}
	ns, _ := auth.NamespaceOf(repo)
	v, err := a.verdicts.Get(r.Context(), ns, digest)
	if err != nil {
		return err
	}
	hasSBOM, err := a.verdicts.HasSBOM(r.Context(), digest)
	if err != nil {
		return err
	}
	out := verdict.ViewOf(repo, v, hasSBOM)
	writeJSON(w, http.StatusOK, out)
	return nil
}

func getSBOMAPI(a *api, w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if a.verdicts == nil {
		return errNotFoundf("this server keeps no SBOMs")
	}
	repo, digest, err := a.artifactRequest(r, p, auth.ActionPull)
	if err != nil {
		return err
	}
	format := sbom.Format(strings.ToLower(r.URL.Query().Get("format")))
	switch format {
	case "":
		format = sbom.FormatCycloneDX
	case sbom.FormatCycloneDX, sbom.FormatSPDX, sbom.FormatJSON:
	default:
		return inputErrorf("format=%q: want cyclonedx, spdx or json", format)
	}
	if _, err := a.content.GetArtifact(r.Context(), repo, digest); err != nil {
		return err
	}
	inv, _, err := a.verdicts.SBOM(r.Context(), digest)
	if err != nil {
		return err
	}
	if inv.Name == "" {
		inv.Name = repo
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	return sbom.Write(w, inv, format)
}

// listJobsAPI lists the queue, newest first, to system administrators:
// ?state=available,running … (default all), ?limit, ?before=ID.
func listJobsAPI(a *api, w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if a.jobs == nil {
		return errNotFoundf("this server runs no job queue")
	}
	if err := a.auth.RequireAdmin(r.Context(), p, "jobs.list", ""); err != nil {
		return err
	}
	q := r.URL.Query()
	limit, err := pageLimit(q.Get("limit"))
	if err != nil {
		return err
	}
	var before int64
	if b := q.Get("before"); b != "" {
		if before, err = strconv.ParseInt(b, 10, 64); err != nil || before < 1 {
			return inputErrorf("before=%q is not a job ID", b)
		}
	}
	var states []string
	if s := q.Get("state"); s != "" {
		states = strings.Split(s, ",")
	}
	list, err := a.jobs.List(r.Context(), states, before, limit)
	if err != nil {
		return err
	}
	counts, err := a.jobs.Counts(r.Context())
	if err != nil {
		return err
	}
	body := map[string]any{"jobs": list, "counts": counts}
	if len(list) == limit {
		body["next_before"] = fmt.Sprint(list[len(list)-1].ID)
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}
