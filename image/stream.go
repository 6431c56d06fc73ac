package image

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// zstdMaxWindow bounds the memory a zstd layer may ask for: 128 MiB is what
// `zstd --long` uses; more is refused rather than allocated.
const zstdMaxWindow = 128 << 20

// readBuf is the size of the reads the tar reader's input is served in, so
// that hashing and counting see large chunks rather than 512-byte blocks.
const readBuf = 64 << 10

var (
	gzipMagic = []byte{0x1f, 0x8b}
	zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

// countReader counts, and where h is set hashes, what is read through it.
type countReader struct {
	r io.Reader
	n int64
	h hash.Hash
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.h != nil && n > 0 {
		c.h.Write(p[:n])
	}
	return n, err
}

// plainReader is the uncompressed layer: it hashes it for the DiffID,
// enforces the byte and ratio limits, and keeps the first error it meets
// so that a failure inside a WalkFunc's read is still reported as the
// layer's.
type plainReader struct {
	countReader
	stored *countReader // the stored blob when compressed; nil when plain
	limits Limits
	err    error
}

func (p *plainReader) Read(b []byte) (int, error) {
	if p.err != nil {
		return 0, p.err
	}
	n, err := p.countReader.Read(b)
	switch {
	case p.n > p.limits.MaxLayerBytes:
		err = fmt.Errorf("%w: more than %d uncompressed bytes", ErrLimit, p.limits.MaxLayerBytes)
	case p.stored != nil && p.n > p.limits.RatioAfter && p.n > p.stored.n*p.limits.MaxRatio:
		err = fmt.Errorf("%w: decompression ratio over %d:1 (%d bytes from %d stored bytes); a compression bomb?",
			ErrLimit, p.limits.MaxRatio, p.n, p.stored.n)
	}
	if err != nil && err != io.EOF {
		p.err = err
	}
	return n, err
}

// stream turns one stored blob into checked tar entries.
type stream struct {
	limits     Limits
	diffID     string       // "" skips the DiffID check
	blobDigest string       // "" skips the stored blob check
	stored     *countReader // the blob as read from the source
	raw        io.Reader    // the blob as the decompressor reads it
	plain      *plainReader
}

// layerFailure marks an error of the layer's data, as opposed to one
// returned by the WalkFunc; the Layer turns it into a *LayerError.
type layerFailure struct{ err error }

func (f *layerFailure) Error() string { return f.err.Error() }

// walk reads blob to its end, calling fn for each entry, then checks the
// digests. Errors of the data come back as *layerFailure.
func (s *stream) walk(ctx ctxErr, blob io.Reader, fn WalkFunc) error {
	plain, closeFn, err := s.open(blob)
	if err != nil {
		return &layerFailure{err}
	}
	defer closeFn()
	br := bufio.NewReaderSize(plain, readBuf)
	skipped, err := walkTar(ctx, br, s.limits, s.plain, fn)
	if err != nil || skipped {
		return err
	}
	// The DiffID covers the whole stream, end-of-archive blocks and any
	// padding after them included; reading to EOF is also what makes a
	// verifying source (remote) check its blob.
	if _, err := io.Copy(io.Discard, br); err != nil {
		return &layerFailure{fmt.Errorf("reading past the end of the archive: %w", err)}
	}
	if _, err := io.Copy(io.Discard, s.raw); err != nil {
		return &layerFailure{fmt.Errorf("reading the stored blob: %w", err)}
	}
	return s.verify()
}

// ctxErr is the part of context.Context the walk needs.
type ctxErr interface{ Err() error }

// open sniffs the blob's compression and returns the uncompressed stream.
func (s *stream) open(blob io.Reader) (io.Reader, func(), error) {
	s.stored = &countReader{r: blob}
	// A plain blob's digest is its DiffID: hashing it once is enough.
	if s.blobDigest != "" && s.blobDigest != s.diffID {
		h, err := newHasher(s.blobDigest)
		if err != nil {
			return nil, nil, err
		}
		s.stored.h = h
	}
	h, err := newHasher(s.diffID)
	if err != nil {
		return nil, nil, err
	}
	s.plain = &plainReader{limits: s.limits}
	s.plain.h = h
	noop := func() {}
	// Sniffed even where the source says the blob is plain tar: a
	// docker-archive may mix plain and compressed layers.
	sniff := bufio.NewReaderSize(s.stored, readBuf)
	s.raw = sniff
	magic, err := sniff.Peek(4)
	if err != nil && err != io.EOF {
		return nil, nil, fmt.Errorf("reading the blob: %w", err)
	}
	switch {
	case bytes.HasPrefix(magic, gzipMagic):
		zr, err := gzip.NewReader(sniff)
		if err != nil {
			return nil, nil, fmt.Errorf("gzip: %w", err)
		}
		s.plain.r, s.plain.stored = zr, s.stored
		return s.plain, func() { zr.Close() }, nil
	case bytes.HasPrefix(magic, zstdMagic):
		zr, err := zstd.NewReader(sniff, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(zstdMaxWindow))
		if err != nil {
			return nil, nil, fmt.Errorf("zstd: %w", err)
		}
		s.plain.r, s.plain.stored = zr, s.stored
		return s.plain, zr.Close, nil
	default:
		// Stored uncompressed: the blob is the tar and the ratio is 1.
		s.plain.r = sniff
		return s.plain, noop, nil
	}
}

// verify compares what was read with the digests the image claims.
func (s *stream) verify() error {
	// The blob first: when it is wrong, it is the more precise complaint.
	if s.stored.h != nil {
		if got := digestOf(s.blobDigest, s.stored.h); got != s.blobDigest {
			return &layerFailure{fmt.Errorf("%w: blob is %s, manifest says %s", ErrDigestMismatch, got, s.blobDigest)}
		}
	}
	if s.plain.h != nil {
		if got := digestOf(s.diffID, s.plain.h); got != s.diffID {
			return &layerFailure{fmt.Errorf("%w: uncompressed content is %s, config says %s", ErrDigestMismatch, got, s.diffID)}
		}
	}
	return nil
}

// newHasher returns a hash for digest's algorithm, or nil for "".
func newHasher(digest string) (hash.Hash, error) {
	if digest == "" {
		return nil, nil
	}
	d, err := v1.NewHash(digest)
	if err != nil {
		return nil, fmt.Errorf("bad digest %q: %w", digest, err)
	}
	return v1.Hasher(d.Algorithm)
}

// digestOf formats h's sum with the algorithm of the digest it is checked
// against.
func digestOf(want string, h hash.Hash) string {
	alg, _, _ := strings.Cut(want, ":")
	return alg + ":" + hex.EncodeToString(h.Sum(nil))
}
