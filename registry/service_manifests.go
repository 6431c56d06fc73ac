package registry

import (
	"context"
	"errors"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/blobstore"
	"github.com/drydock/drydock/store"
)

// Manifest returns a manifest of repo by tag or digest after asking the
// Gate. A fetch (GET, not HEAD) is published as a pull.
func (s *Service) Manifest(ctx context.Context, c Caller, repo, ref string, fetch bool) (*store.Manifest, error) {
	m, err := s.st.GetManifest(ctx, repo, ref)
	if err != nil {
		return nil, notFoundAs(err, CodeManifestUnknown, ref)
	}
	d := digest.Digest(m.Digest)
	tag := ""
	if !strings.Contains(ref, ":") {
		tag = ref
	}
	if err := s.gated(ctx, c, EventPullDenied, repo, tag, d, s.o.gate.MayServeManifest(ctx, repo, d, c.Principal)); err != nil {
		return nil, err
	}
	if fetch {
		s.markPulled(repo, m.Digest)
		s.publish(c, Event{Kind: EventManifestPulled, Repo: repo, Digest: d, Tag: tag, MediaType: m.MediaType,
			ArtifactType: m.ArtifactType, Subject: digest.Digest(m.Subject)})
	}
	return m, nil
}

// Push is a manifest as a client pushes it.
type Push struct {
	Repo string
	// Body and ContentType are the manifest as sent.
	Body        []byte
	ContentType string
	// Digest, when set, is the digest the client pushed by; the body must
	// hash to it. Otherwise the body's sha256 is the digest.
	Digest digest.Digest
	// Tags are the tags to point at the manifest.
	Tags []string
}

// Pushed is what a push stored.
type Pushed struct {
	Digest  digest.Digest
	Subject digest.Digest
}

// PutManifest verifies and stores a manifest and moves its tags, after
// checking tag immutability and asking the Gate about each tag.
func (s *Service) PutManifest(ctx context.Context, c Caller, p Push) (Pushed, error) {
	if err := s.writable(); err != nil {
		return Pushed{}, err
	}
	if int64(len(p.Body)) > s.o.maxManifest {
		return Pushed{}, newError(CodeManifestTooBig, "over %d bytes", s.o.maxManifest)
	}
	for _, t := range p.Tags {
		if !validTag(t) {
			return Pushed{}, newError(CodeTagInvalid, "%q", t)
		}
	}
	var d blobstore.Digest
	if p.Digest != "" {
		want, err := parseDigest(p.Digest.String())
		if err != nil {
			return Pushed{}, err
		}
		if d = blobstore.FromBytes(want.Algorithm, p.Body); d != want {
			return Pushed{}, newError(CodeDigestInvalid, "manifest hashes to %s, pushed as %s", d, want)
		}
	} else {
		d = blobstore.FromBytes("sha256", p.Body)
	}
	dg := digest.Digest(d.String())
	pm, err := parseManifest(p.Body, p.ContentType)
	if err != nil {
		return Pushed{}, err
	}
	if s.o.sparse && len(pm.blobs) > 1 {
		pm.blobs = pm.blobs[:1] // the config only
	}
	var rules []ImmutableTagRule // only a push naming tags can move one
	if len(p.Tags) > 0 {
		if rules, err = s.rulesOf(ctx, p.Repo); err != nil {
			return Pushed{}, err
		}
	}
	for _, t := range p.Tags {
		if err := s.gated(ctx, c, EventPushDenied, p.Repo, t, dg, s.o.gate.MayTag(ctx, p.Repo, t, dg, c.Principal)); err != nil {
			return Pushed{}, err
		}
	}
	m := &store.Manifest{
		Repo: p.Repo, Digest: dg.String(), MediaType: pm.mediaType, Content: p.Body,
		Subject: pm.subject, ArtifactType: pm.artifactType, ConfigMediaType: pm.configMediaType,
		Annotations: pm.annotations, Blobs: pm.blobs,
	}
	if err := s.st.PutManifestKeeping(ctx, m, heldBy(rules), p.Tags...); err != nil {
		var th *store.TagHeldError
		switch {
		case errors.As(err, &th):
			return Pushed{}, s.refuseMove(c, p.Repo, th.Tag, matchRule(rules, th.Tag), th.Current, dg)
		case errors.Is(err, store.ErrMissingReference):
			err = newError(CodeManifestBlobUnknown, "%w", err)
		}
		return Pushed{}, err
	}
	ev := Event{Kind: EventManifestPushed, Repo: p.Repo, Digest: dg, MediaType: pm.mediaType,
		ArtifactType: pm.artifactType, Subject: digest.Digest(pm.subject)}
	// The client hears "created" only once the listeners have the push:
	// a scan queued by a listener must not be lost to a crash in between.
	if len(p.Tags) == 0 {
		s.publishWait(c, ev)
	}
	for _, t := range p.Tags {
		ev.Tag = t
		s.publishWait(c, ev)
	}
	return Pushed{Digest: dg, Subject: digest.Digest(pm.subject)}, nil
}

// DeleteManifest removes a manifest and every tag on it; a manifest that
// carries an immutable tag stays.
func (s *Service) DeleteManifest(ctx context.Context, c Caller, repo string, d digest.Digest) error {
	if err := s.writable(); err != nil {
		return err
	}
	a, err := s.st.GetArtifact(ctx, repo, d.String())
	if err != nil {
		return notFoundAs(err, CodeManifestUnknown, d.String())
	}
	for _, t := range a.Tags {
		if err := s.checkTagDelete(ctx, c, repo, t, d); err != nil {
			return err
		}
	}
	if err := s.st.DeleteManifest(ctx, repo, d.String()); err != nil {
		return notFoundAs(err, CodeManifestUnknown, d.String())
	}
	s.publishWait(c, Event{Kind: EventManifestDeleted, Repo: repo, Digest: d, MediaType: a.MediaType,
		ArtifactType: a.ArtifactType, Subject: digest.Digest(a.Subject)})
	return nil
}

// DeleteTag removes one tag; its manifest stays. An immutable tag stays.
func (s *Service) DeleteTag(ctx context.Context, c Caller, repo, tag string) error {
	if err := s.writable(); err != nil {
		return err
	}
	if !validTag(tag) {
		return newError(CodeTagInvalid, "%q", tag)
	}
	cur, err := s.st.TagDigest(ctx, repo, tag)
	if err != nil {
		return notFoundAs(err, CodeManifestUnknown, tag)
	}
	if err := s.checkTagDelete(ctx, c, repo, tag, digest.Digest(cur)); err != nil {
		return err
	}
	if err := s.st.DeleteTag(ctx, repo, tag); err != nil {
		return notFoundAs(err, CodeManifestUnknown, tag)
	}
	s.publishWait(c, Event{Kind: EventTagDeleted, Repo: repo, Digest: digest.Digest(cur), Tag: tag})
	return nil
}
