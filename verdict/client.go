package verdict

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/drydock/drydock/store"
)

// View is one artifact's stored verdict as the API serves it.
type View struct {
	Repository   string                  `json:"repository"`
	Digest       string                  `json:"digest"`
	Namespace    string                  `json:"namespace"`
	Status       store.VerdictStatus     `json:"status"`
	Reasons      []store.VerdictReason   `json:"reasons"`
	Blocking     []store.BlockingFinding `json:"blocking"`
	Counts       store.SeverityCounts    `json:"counts"`
	FailOn       string                  `json:"fail_on,omitempty"`
	Policy       string                  `json:"policy,omitempty"`
	PolicyDigest string                  `json:"policy_digest,omitempty"`
	DBVersion    string                  `json:"db_version,omitempty"`
	DBChecked    *time.Time              `json:"db_checked,omitempty"`
	ScannedAt    *time.Time              `json:"scanned_at,omitempty"`
	Error        string                  `json:"error,omitempty"`
	// SBOM is true when an SBOM is stored.
	SBOM bool `json:"sbom"`
}

// ViewOf is the view of v on repo.
func ViewOf(repo string, v *store.Verdict, hasSBOM bool) *View {
	out := &View{Repository: repo, Digest: v.Digest, Namespace: v.Namespace, Status: v.Status, Reasons: v.Reasons,
		Blocking: v.Blocking, Counts: v.Counts, FailOn: v.FailOn, Policy: v.PolicyName, PolicyDigest: v.PolicyDigest,
		DBVersion: v.DBVersion, DBChecked: timeOrNil(v.DBChecked), ScannedAt: timeOrNil(v.ScannedAt), Error: v.Error, SBOM: hasSBOM}
	if out.Reasons == nil {
		out.Reasons = []store.VerdictReason{}
	}
	if out.Blocking == nil {
		out.Blocking = []store.BlockingFinding{}
	}
	return out
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// Client reads verdicts and SBOMs from a drydock server's API.
type Client struct {
	// Auth signs the requests (HTTP Basic); nil is anonymous.
	Auth authn.Authenticator
	// Insecure allows plain HTTP.
	Insecure bool
	// HTTP is the client used; nil is http.DefaultClient.
	HTTP *http.Client
}

// RequestError is a reference or answer that names the caller's mistake:
// a bad reference, unknown artifact, missing rights.
type RequestError struct{ Msg string }

func (e *RequestError) Error() string { return e.Msg }

// InvalidInput marks the error as the caller's.
func (e *RequestError) InvalidInput() bool { return true }

// Get returns the stored verdict on ref (registry/repo:tag or @digest); a
// tag is resolved to its digest first.
func (c *Client) Get(ctx context.Context, ref string) (*View, error) {
	u, err := c.artifactURL(ctx, ref, "verdict")
	if err != nil {
		return nil, err
	}
	body, err := c.get(ctx, u, ref)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	var v View
	if err := json.NewDecoder(io.LimitReader(body, 16<<20)).Decode(&v); err != nil {
		return nil, fmt.Errorf("verdict of %s: %w", ref, err)
	}
	return &v, nil
}

// SBOM copies the stored SBOM of ref in format (cyclonedx, spdx, json) to w.
func (c *Client) SBOM(ctx context.Context, ref, format string, w io.Writer) error {
	u, err := c.artifactURL(ctx, ref, "sbom")
	if err != nil {
		return err
	}
	body, err := c.get(ctx, u+"?format="+url.QueryEscape(format), ref)
	if err != nil {
		return err
	}
	defer body.Close()
	_, err = io.Copy(w, body)
	return err
}

func (c *Client) artifactURL(ctx context.Context, ref, what string) (string, error) {
	var opts []name.Option
	if c.Insecure {
		opts = append(opts, name.Insecure)
	}
	r, err := name.ParseReference(ref, opts...)
	if err != nil {
		return "", &RequestError{fmt.Sprintf("reference %q: %v", ref, err)}
	}
	dgst := r.Identifier()
	if _, isDigest := r.(name.Digest); !isDigest {
		desc, err := remote.Head(r, remote.WithContext(ctx), remote.WithAuth(c.auth()))
		if err != nil {
			return "", &RequestError{fmt.Sprintf("resolve %s: %v", ref, err)}
		}
		dgst = desc.Digest.String()
	}
	repo := r.Context().RepositoryStr()
	ns, rest, ok := strings.Cut(repo, "/")
	if !ok {
		return "", &RequestError{fmt.Sprintf("repository %q is in no namespace: drydock keeps verdicts for namespace/repository names", repo)}
	}
	return fmt.Sprintf("%s://%s/api/v1/repositories/%s/%s/artifacts/%s/%s", r.Context().Scheme(), r.Context().RegistryStr(),
		url.PathEscape(ns), url.PathEscape(rest), dgst, what), nil
}

func (c *Client) auth() authn.Authenticator {
	if c.Auth == nil {
		return authn.Anonymous
	}
	return c.Auth
}

func (c *Client) get(ctx context.Context, u, ref string) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	if ac, err := c.auth().Authorization(); err == nil && ac.Username != "" {
		req.SetBasicAuth(ac.Username, ac.Password)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, &RequestError{fmt.Sprintf("%s: %v", ref, err)}
	}
	if resp.StatusCode == http.StatusOK {
		return resp.Body, nil
	}
	defer resp.Body.Close()
	var e struct{ Code, Message string }
	_ = json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&e)
	msg := fmt.Sprintf("%s: %s %s", ref, resp.Status, e.Message)
	if resp.StatusCode >= 400 && resp.StatusCode < 500 {
		return nil, &RequestError{msg}
	}
	return nil, errors.New(msg)
}
