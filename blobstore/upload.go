package blobstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sync"

	storagedriver "github.com/distribution/distribution/v3/registry/storage/driver"
)

// ErrUploadCorrupt means an upload's bytes on storage disagree with the
// recorded progress (a crash between writing and recording); the client
// must start the upload again.
var ErrUploadCorrupt = errors.New("blobstore: upload data does not match its recorded progress")

// Progress is where an upload stands: bytes received and the running hash
// over them. The caller keeps it between requests (the store's uploads row).
type Progress struct {
	Written int64
	State   []byte // running hash state; nil before the first byte
}

// NewUploadID returns a fresh, unguessable upload session id.
func NewUploadID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// copyBuffers keeps 1 MiB buffers for streaming, big enough that hashing
// and disk writes, not syscalls, set the pace.
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 1<<20); return &b }}

// Append streams r onto upload id, hashing as it writes. alg ("sha256" or
// "sha512") chooses the running hash when the upload is empty; callers pass
// the digest's algorithm when they know it (a monolithic push) and sha256
// otherwise. The returned progress counts every byte that reached storage,
// even when an error cut the stream short, so a client can resume there.
func (s *Store) Append(ctx context.Context, id string, p Progress, alg string, r io.Reader) (Progress, error) {
	var hs *hashState
	if p.State != nil {
		var err error
		if hs, err = restoreHashState(p.State); err != nil {
			return p, err
		}
	} else if p.Written > 0 {
		return p, fmt.Errorf("%w: %d bytes recorded without a hash state", ErrUploadCorrupt, p.Written)
	} else {
		hs = newHashState(alg)
	}
	w, err := s.d.Writer(ctx, uploadPath(id), p.Written > 0)
	if err != nil {
		return p, fmt.Errorf("blobstore: open upload %s: %w", id, err)
	}
	if w.Size() != p.Written {
		w.Close()
		return p, fmt.Errorf("%w: storage holds %d bytes, %d recorded", ErrUploadCorrupt, w.Size(), p.Written)
	}
	bufp := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(bufp)
	_, copyErr := io.CopyBuffer(io.MultiWriter(w, hs.h), r, *bufp)
	closeErr := w.Close()
	next := Progress{Written: w.Size()}
	if next.State, err = hs.marshal(); err != nil {
		return p, err
	}
	if copyErr != nil {
		return next, fmt.Errorf("blobstore: upload %s: %w", id, copyErr)
	}
	if closeErr != nil {
		return next, fmt.Errorf("blobstore: upload %s: %w", id, closeErr)
	}
	return next, nil
}

// Finish verifies upload id against want and moves it to want's
// content-addressed path, returning the blob's size. On a mismatch the
// upload is deleted and the error is ErrDigestMismatch. When the running
// hash used another algorithm than want's, the bytes are read back once
// to verify them.
func (s *Store) Finish(ctx context.Context, id string, p Progress, want Digest) (int64, error) {
	var got Digest
	var hs *hashState
	if p.State != nil {
		var err error
		if hs, err = restoreHashState(p.State); err != nil {
			return 0, err
		}
	}
	// Commit makes the upload's bytes durable and readable (for drivers such
	// as S3 it completes the multipart upload); an empty blob needs a file.
	w, err := s.d.Writer(ctx, uploadPath(id), p.Written > 0)
	if err != nil {
		return 0, fmt.Errorf("blobstore: open upload %s: %w", id, err)
	}
	if w.Size() != p.Written {
		w.Cancel(ctx)
		return 0, fmt.Errorf("%w: storage holds %d bytes, %d recorded", ErrUploadCorrupt, w.Size(), p.Written)
	}
	if err := w.Commit(ctx); err != nil {
		w.Close()
		return 0, fmt.Errorf("blobstore: commit upload %s: %w", id, err)
	}
	if err := w.Close(); err != nil {
		return 0, fmt.Errorf("blobstore: commit upload %s: %w", id, err)
	}
	switch {
	case hs != nil && hs.alg == want.Algorithm:
		got = hs.digest()
	case p.Written == 0:
		got = FromBytes(want.Algorithm, nil)
	default:
		if got, err = s.rehash(ctx, id, want.Algorithm); err != nil {
			return 0, err
		}
	}
	if got != want {
		_ = s.Cancel(ctx, id)
		return 0, fmt.Errorf("%w: uploaded %s, claimed %s", ErrDigestMismatch, got, want)
	}
	if err := s.d.Move(ctx, uploadPath(id), blobPath(want)); err != nil {
		return 0, fmt.Errorf("blobstore: store blob %s: %w", want, err)
	}
	_ = s.d.Delete(ctx, uploadDir(id))
	return p.Written, nil
}

func (s *Store) rehash(ctx context.Context, id, alg string) (Digest, error) {
	rc, err := s.d.Reader(ctx, uploadPath(id), 0)
	if err != nil {
		return Digest{}, fmt.Errorf("blobstore: read back upload %s: %w", id, err)
	}
	defer rc.Close()
	hs := newHashState(alg)
	bufp := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(bufp)
	if _, err := io.CopyBuffer(hs.h, rc, *bufp); err != nil {
		return Digest{}, fmt.Errorf("blobstore: read back upload %s: %w", id, err)
	}
	return hs.digest(), nil
}

// Cancel deletes an upload's bytes. A missing upload is not an error.
func (s *Store) Cancel(ctx context.Context, id string) error {
	err := s.d.Delete(ctx, uploadDir(id))
	var nf storagedriver.PathNotFoundError
	if err != nil && !errors.As(err, &nf) {
		return fmt.Errorf("blobstore: cancel upload %s: %w", id, err)
	}
	return nil
}

// Put stores r as one blob that must hash to want, returning its size.
func (s *Store) Put(ctx context.Context, want Digest, r io.Reader) (int64, error) {
	id := NewUploadID()
	p, err := s.Append(ctx, id, Progress{}, want.Algorithm, r)
	if err != nil {
		_ = s.Cancel(ctx, id)
		return 0, err
	}
	return s.Finish(ctx, id, p, want)
}
