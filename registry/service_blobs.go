package registry

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/blobstore"
	"github.com/drydock/drydock/store"
)

// BlobSize returns the size of a blob repo may serve, after asking the Gate.
func (s *Service) BlobSize(ctx context.Context, c Caller, repo string, d blobstore.Digest) (int64, error) {
	size, err := s.st.BlobSize(ctx, repo, d.String())
	if err != nil {
		return 0, blobErr(err, d)
	}
	dg := digest.Digest(d.String())
	if err := s.gated(ctx, c, EventPullDenied, repo, "", dg, s.o.gate.MayServeBlob(ctx, repo, dg, c.Principal)); err != nil {
		return 0, err
	}
	return size, nil
}

// OpenBlob reads a blob's bytes from offset. Call BlobSize first: it is
// the check that repo may serve the blob.
func (s *Service) OpenBlob(ctx context.Context, d blobstore.Digest, offset int64) (io.ReadCloser, error) {
	return s.blobs.Open(ctx, d, offset)
}

// DeleteBlob unlinks a blob from repo (garbage collection removes the
// bytes once no repository links it).
func (s *Service) DeleteBlob(ctx context.Context, c Caller, repo string, d blobstore.Digest) error {
	if err := s.writable(); err != nil {
		return err
	}
	if err := s.st.UnlinkBlob(ctx, repo, d.String()); err != nil {
		return blobErr(err, d)
	}
	s.record(c, auditlog.Event{Action: "delete", Repo: repo, Target: d.String(), Outcome: auditlog.OutcomeAllowed})
	return nil
}

// PutBlob stores a blob sent in one request, verified against d.
func (s *Service) PutBlob(ctx context.Context, repo string, d blobstore.Digest, r io.Reader) error {
	if err := s.writable(); err != nil {
		return err
	}
	size, err := s.blobs.Put(ctx, d, r)
	if err != nil {
		return uploadErr(err)
	}
	if err := s.st.PutBlob(ctx, repo, d.String(), size); err != nil {
		return err
	}
	return s.stillThere(ctx, d)
}

// stillThere checks, once a blob's row is written, that its bytes were not
// removed meanwhile by a gc that took the old row away (store.DeleteOrphanBlob
// removes bytes before its delete commits, and the row write waits for it).
func (s *Service) stillThere(ctx context.Context, d blobstore.Digest) error {
	if _, err := s.blobs.Stat(ctx, d); err != nil {
		return fmt.Errorf("registry: blob %s was collected while it was being recorded; push it again: %w", d, err)
	}
	return nil
}

// CommitUpload finishes an upload session whose bytes are written: the
// blob store verifies them against want and moves them into place, then
// the blob is linked into repo and the session removed.
func (s *Service) CommitUpload(ctx context.Context, repo, id string, p blobstore.Progress, want blobstore.Digest) error {
	if err := s.writable(); err != nil {
		return err
	}
	size, err := s.blobs.Finish(ctx, id, p, want)
	if err != nil {
		if errors.Is(err, blobstore.ErrDigestMismatch) || errors.Is(err, blobstore.ErrUploadCorrupt) {
			_ = s.st.DeleteUpload(ctx, id) // the bytes are gone; so is the session
		}
		return uploadErr(err)
	}
	if err := s.st.PutBlob(ctx, repo, want.String(), size); err != nil {
		return err
	}
	if err := s.stillThere(ctx, want); err != nil {
		return err
	}
	if err := s.st.DeleteUpload(ctx, id); err != nil && !errors.Is(err, store.ErrNotFound) {
		s.log.Warn("registry: finished upload not removed", "id", id, "err", err)
	}
	return nil
}

// Mount links a blob into repo from another repository: from when given,
// else any repository holding it that visible allows. It reports false
// when there is nothing the caller may mount.
func (s *Service) Mount(ctx context.Context, c Caller, repo, from string, d blobstore.Digest, visible func(repo string) bool) (bool, error) {
	if err := s.writable(); err != nil {
		return false, err
	}
	candidates := []string{from}
	if from == "" {
		var err error
		if candidates, err = s.st.BlobRepositories(ctx, d.String()); err != nil {
			return false, err
		}
	}
	for _, src := range candidates {
		if src == repo || !visible(src) {
			continue
		}
		// A blob the gate would not serve from src is not mounted from it
		// either: the client uploads it, if it has it.
		if s.o.gate.MayServeBlob(ctx, src, digest.Digest(d.String()), c.Principal) != nil {
			continue
		}
		_, err := s.st.MountBlob(ctx, repo, src, d.String())
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return false, err
		}
		s.record(c, auditlog.Event{Action: "mount", Repo: repo, Target: d.String() + " from " + src, Outcome: auditlog.OutcomeAllowed})
		return true, nil
	}
	return false, nil
}
