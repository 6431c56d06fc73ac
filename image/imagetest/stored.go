package imagetest

import (
	"errors"
	"io"
	"os"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Stored is a layer whose blob is read from Open and whose digests are
// stated rather than computed: for blobs too big to hash twice in a test,
// or whose stated digests are meant to be wrong. It is a real v1.Layer,
// not a mock: go-containerregistry's own static layer works the same way,
// but needs the blob in memory.
type Stored struct {
	Open   func() (io.ReadCloser, error)
	Blob   v1.Hash // digest of what Open returns
	Diff   v1.Hash // digest of its uncompressed content
	Length int64   // size of what Open returns
}

var _ v1.Layer = (*Stored)(nil)

// FileLayer is a Stored layer read from a file.
func FileLayer(path string, blob, diff v1.Hash) (*Stored, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	return &Stored{
		Open:   func() (io.ReadCloser, error) { return os.Open(path) },
		Blob:   blob,
		Diff:   diff,
		Length: fi.Size(),
	}, nil
}

func (s *Stored) Digest() (v1.Hash, error)             { return s.Blob, nil }
func (s *Stored) DiffID() (v1.Hash, error)             { return s.Diff, nil }
func (s *Stored) Compressed() (io.ReadCloser, error)   { return s.Open() }
func (s *Stored) Size() (int64, error)                 { return s.Length, nil }
func (s *Stored) MediaType() (types.MediaType, error)  { return types.OCILayer, nil }
func (s *Stored) Uncompressed() (io.ReadCloser, error) { return nil, errUncompressed }

var errUncompressed = errors.New("imagetest: a Stored layer gives only its stored blob")
