// Package blobstore keeps blob bytes, addressed by their digest (sha256 or
// sha512), behind distribution's storage driver interface; drydock uses its
// filesystem driver.
// Uploads are written under an upload path and hashed as they are written;
// only bytes that match their claimed digest are moved to the
// content-addressed path, so nothing half-written is ever served.
//
// The package knows bytes only. Which repository may serve which digest,
// and where an upload session stands, is the store's business.
package blobstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	storagedriver "github.com/distribution/distribution/v3/registry/storage/driver"
	"github.com/distribution/distribution/v3/registry/storage/driver/filesystem"
)

// ErrBlobUnknown means no verified blob with that digest is stored.
var ErrBlobUnknown = errors.New("blobstore: blob unknown")

// Store reads and writes blobs through a storage driver. It is safe for
// concurrent use.
type Store struct {
	d storagedriver.StorageDriver
}

// New keeps blobs in d.
func New(d storagedriver.StorageDriver) (*Store, error) {
	if d == nil {
		return nil, errors.New("blobstore: nil storage driver")
	}
	return &Store{d: d}, nil
}

// NewFilesystem keeps blobs under root on the local disk, creating it.
func NewFilesystem(root string) (*Store, error) {
	if root == "" {
		return nil, errors.New("blobstore: empty root directory")
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("blobstore: %w", err)
	}
	return New(filesystem.New(filesystem.DriverParameters{RootDirectory: root, MaxThreads: 100}))
}

// Driver is the storage driver underneath, for health checks and tools.
func (s *Store) Driver() storagedriver.StorageDriver { return s.d }

// blobPath spreads blobs over 256 directories per algorithm, so no
// directory grows past what a filesystem lists quickly.
func blobPath(d Digest) string {
	return "/blobs/" + d.Algorithm + "/" + d.Hex[:2] + "/" + d.Hex + "/data"
}

func uploadDir(id string) string  { return "/uploads/" + id }
func uploadPath(id string) string { return uploadDir(id) + "/data" }

// Stat returns the size of a stored blob, or ErrBlobUnknown.
func (s *Store) Stat(ctx context.Context, d Digest) (int64, error) {
	fi, err := s.d.Stat(ctx, blobPath(d))
	if err != nil {
		return 0, notFound(err, d)
	}
	return fi.Size(), nil
}

// Open reads a stored blob from offset on, or fails with ErrBlobUnknown.
func (s *Store) Open(ctx context.Context, d Digest, offset int64) (io.ReadCloser, error) {
	rc, err := s.d.Reader(ctx, blobPath(d), offset)
	if err != nil {
		return nil, notFound(err, d)
	}
	return rc, nil
}

// Delete removes a stored blob's bytes. Only garbage collection calls it:
// a repository's DELETE only unlinks the blob in the store.
func (s *Store) Delete(ctx context.Context, d Digest) error {
	if err := s.d.Delete(ctx, "/blobs/"+d.Algorithm+"/"+d.Hex[:2]+"/"+d.Hex); err != nil {
		return notFound(err, d)
	}
	return nil
}

// Walk calls fn for every stored blob with its size and modification time
// (for garbage collection).
func (s *Store) Walk(ctx context.Context, fn func(d Digest, size int64, mod time.Time) error) error {
	for alg := range hexLen {
		err := s.d.Walk(ctx, "/blobs/"+alg, func(fi storagedriver.FileInfo) error {
			if fi.IsDir() {
				return nil
			}
			p := fi.Path() // /blobs/<alg>/<xx>/<hex>/data
			var dir string
			if n := len(p) - len("/data"); n > 0 && p[n:] == "/data" {
				dir = p[:n]
			}
			hx := dir[lastSlash(dir)+1:]
			d, err := ParseDigest(alg + ":" + hx)
			if err != nil {
				return nil // not ours; leave it alone
			}
			return fn(d, fi.Size(), fi.ModTime())
		})
		var nf storagedriver.PathNotFoundError
		if err != nil && !errors.As(err, &nf) {
			return fmt.Errorf("blobstore: walk %s: %w", alg, err)
		}
	}
	return nil
}

func lastSlash(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' {
			return i
		}
	}
	return -1
}

func notFound(err error, d Digest) error {
	var nf storagedriver.PathNotFoundError
	if errors.As(err, &nf) {
		return fmt.Errorf("%w: %s", ErrBlobUnknown, d)
	}
	return fmt.Errorf("blobstore: %s: %w", d, err)
}
