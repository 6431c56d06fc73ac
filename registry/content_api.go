package registry

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/store"
)

// Content is the registry's content as the REST API under /api/v1/ reads
// and deletes it (see auth.Content). Deletes go through the same store
// calls as DELETE on /v2/ and obey read-only mode the same way; the API
// authorizes and audits them itself, as it knows the caller.
func (rg *Registry) Content() auth.Content { return content{rg} }

type content struct{ rg *Registry }

var _ auth.Content = content{}

func (c content) Repositories(ctx context.Context, prefix, after string, n int) ([]auth.Repository, error) {
	sums, err := c.rg.st.RepositorySummaries(ctx, prefix, after, n)
	if err != nil {
		return nil, err
	}
	out := make([]auth.Repository, 0, len(sums))
	for _, s := range sums {
		out = append(out, auth.Repository{Name: s.Name, ArtifactCount: s.Artifacts, TagCount: s.Tags, PushedAt: s.PushedAt, PulledAt: timeOrNil(s.PulledAt)})
	}
	return out, nil
}

func (c content) Artifacts(ctx context.Context, repo string, after auth.ArtifactCursor, n int) ([]auth.Artifact, error) {
	arts, err := c.rg.st.Artifacts(ctx, repo, store.ArtifactCursor(after), n)
	if err != nil {
		return nil, notFound(err)
	}
	out := make([]auth.Artifact, 0, len(arts))
	for _, a := range arts {
		out = append(out, toAPIArtifact(a))
	}
	return out, nil
}

func (c content) Artifact(ctx context.Context, repo, digest string) (auth.Artifact, error) {
	a, err := c.rg.st.GetArtifact(ctx, repo, digest)
	if err != nil {
		return auth.Artifact{}, notFound(err)
	}
	return toAPIArtifact(a), nil
}

func (c content) Referrers(ctx context.Context, repo, digest string) ([]auth.Referrer, error) {
	refs, err := c.rg.st.Referrers(ctx, repo, digest, "")
	if err != nil {
		return nil, err
	}
	out := make([]auth.Referrer, 0, len(refs))
	for _, r := range refs {
		out = append(out, auth.Referrer{Digest: r.Digest, MediaType: r.MediaType, ArtifactType: r.ArtifactType, Size: r.Size, Annotations: r.Annotations})
	}
	return out, nil
}

func (c content) DeleteArtifact(ctx context.Context, repo, digest string) error {
	if c.rg.o.readOnly {
		return errReadOnly
	}
	return notFound(c.rg.st.DeleteManifest(ctx, repo, digest))
}

func (c content) DeleteTag(ctx context.Context, repo, tag string) error {
	if c.rg.o.readOnly {
		return errReadOnly
	}
	return notFound(c.rg.st.DeleteTag(ctx, repo, tag))
}

var errReadOnly = fmt.Errorf("%w: the registry is read-only", auth.ErrForbidden)

// notFound turns the store's "no such row" into auth's, which the API
// answers with 404; the message keeps what was missing.
func notFound(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: %v", auth.ErrNotFound, err)
	}
	return err
}

func toAPIArtifact(a store.Artifact) auth.Artifact {
	at := a.ArtifactType
	if at == "" {
		// An image's type is its config's, as the OCI spec defines artifactType.
		at = a.ConfigMediaType
	}
	return auth.Artifact{Digest: a.Digest, MediaType: a.MediaType, ArtifactType: at, Size: a.Size, Tags: a.Tags,
		PushedAt: a.PushedAt, LastPulledAt: timeOrNil(a.LastPulled), Subject: a.Subject}
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
