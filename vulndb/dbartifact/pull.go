package dbartifact

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/klauspost/compress/zstd"

	"github.com/drydock/drydock/vulndb"
)

// maxWindow bounds the memory a zstd stream may ask the decoder for. Push
// writes 8 MiB windows; a stream asking for more than this is hostile.
const maxWindow = 128 << 20

// Pull fetches the database artifact at ref (a tag or a digest) and
// installs it at dbPath. The manifest's artifactType and media types are
// checked first; the layer is then streamed into a temporary file beside
// dbPath, its digest and size checked and its decompressed size bounded
// (WithMaxSize), and the file is opened with vulndb.Open, which refuses a
// foreign file or a schema version this build does not read. A database
// older than the one at dbPath (by newest import) is refused unless
// WithForce. Only then is the file renamed over dbPath: a failure at any
// step leaves the previous database whole. Options read: WithBasicAuth,
// WithInsecure, WithTransport, WithForce, WithMaxSize.
func Pull(ctx context.Context, dbPath, ref string, opts ...Option) (*Result, error) {
	o, err := newOptions(opts)
	if err != nil {
		return nil, err
	}
	r, err := name.ParseReference(ref, o.access.NameOptions()...)
	if err != nil {
		return nil, &Error{Ref: ref, Err: fmt.Errorf("not a valid reference: %w", err)}
	}
	ropts := o.access.RemoteOptions(ctx)
	desc, err := remote.Get(r, ropts...)
	if err != nil {
		return nil, registryErr(ref, o.access.Explain(r.Context(), err))
	}
	want, err := checkManifest(desc)
	if err != nil {
		return nil, &Error{Ref: ref, Err: err}
	}
	if len(o.keys) > 0 {
		if err := verifyPulled(ctx, o.keys, r.Context(), desc.Manifest, ropts); err != nil {
			return nil, &Error{Ref: ref, Err: fmt.Errorf("refusing an unverified database: %w", err)}
		}
	}
	if want.Size > o.maxLayer {
		return nil, &Error{Ref: ref, Err: fmt.Errorf("%w: layer of %d bytes is over the %d byte limit", ErrLayer, want.Size, o.maxLayer)}
	}
	rl, err := remote.Layer(r.Context().Digest(want.Digest.String()), ropts...)
	if err != nil {
		return nil, registryErr(ref, err)
	}
	rc, err := rl.Compressed()
	if err != nil {
		return nil, registryErr(ref, err)
	}
	defer rc.Close()

	if err := os.MkdirAll(filepath.Dir(dbPath), 0o755); err != nil {
		return nil, fmt.Errorf("dbartifact: %w", err)
	}
	tmp, err := tempBeside(dbPath)
	if err != nil {
		return nil, err
	}
	defer func() {
		if tmp != "" {
			os.Remove(tmp)
		}
	}()
	if err := fetch(rc, tmp, want, o.maxDB); err != nil {
		if errors.Is(err, ErrLayer) {
			return nil, &Error{Ref: ref, Err: err}
		}
		return nil, registryErr(ref, err)
	}
	res, err := describe(ctx, tmp)
	if err != nil {
		// vulndb names the temporary file; the user knows it as the layer.
		var ie *vulndb.InputError
		if errors.As(err, &ie) {
			err = ie.Err
		}
		return nil, &Error{Ref: ref, Err: fmt.Errorf("the pulled file: %w", err)}
	}
	if !o.force {
		if cur, ok := localNewest(ctx, dbPath); ok && res.Newest.Before(cur) {
			return nil, &Error{Ref: ref, Err: fmt.Errorf("%w: pulled data imported %s, local data %s",
				ErrOlder, res.Newest.UTC().Format(time.RFC3339), cur.UTC().Format(time.RFC3339))}
		}
	}
	if err := os.Rename(tmp, dbPath); err != nil {
		return nil, fmt.Errorf("dbartifact: %w", err)
	}
	tmp = ""
	// Sync the folder so the rename itself survives a crash.
	if d, err := os.Open(filepath.Dir(dbPath)); err == nil {
		d.Sync()
		d.Close()
	}
	res.Ref = r.Context().Name() + "@" + desc.Digest.String()
	res.LayerSize = want.Size
	return res, nil
}

// checkManifest returns the database layer's descriptor, or ErrNotVulnDB
// naming what the manifest is instead.
func checkManifest(desc *remote.Descriptor) (v1.Descriptor, error) {
	if desc.MediaType != types.OCIManifestSchema1 {
		return v1.Descriptor{}, fmt.Errorf("%w: manifest media type %s, want %s", ErrNotVulnDB, desc.MediaType, types.OCIManifestSchema1)
	}
	m, err := v1.ParseManifest(bytes.NewReader(desc.Manifest))
	if err != nil {
		return v1.Descriptor{}, fmt.Errorf("%w: manifest: %v", ErrNotVulnDB, err)
	}
	if m.ArtifactType != ArtifactType {
		found := m.ArtifactType
		if found == "" {
			found = "none (config media type " + string(m.Config.MediaType) + ")"
		}
		return v1.Descriptor{}, fmt.Errorf("%w: artifactType %s, want %s", ErrNotVulnDB, found, ArtifactType)
	}
	if len(m.Layers) != 1 {
		return v1.Descriptor{}, fmt.Errorf("%w: %d layers, want 1", ErrNotVulnDB, len(m.Layers))
	}
	l := m.Layers[0]
	if l.MediaType != LayerMediaType {
		return v1.Descriptor{}, fmt.Errorf("%w: layer media type %s, want %s", ErrNotVulnDB, l.MediaType, LayerMediaType)
	}
	return l, nil
}

// fetch decompresses the layer from src into the file dst, checking its
// size and digest against want and bounding the decompressed size. Errors
// in the data wrap ErrLayer; errors reading src do not.
func fetch(src io.Reader, dst string, want v1.Descriptor, maxDB int64) error {
	var h hash.Hash
	switch want.Digest.Algorithm {
	case "sha256":
		h = sha256.New()
	case "sha512":
		h = sha512.New()
	default:
		return fmt.Errorf("%w: digest algorithm %q", ErrLayer, want.Digest.Algorithm)
	}
	// One byte past the promised size is enough to tell that it is longer.
	in := &sourceReader{r: io.TeeReader(io.LimitReader(src, want.Size+1), h)}
	zr, err := zstd.NewReader(in, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(maxWindow))
	if err != nil {
		return fmt.Errorf("dbartifact: %w", err)
	}
	defer zr.Close()
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return fmt.Errorf("dbartifact: %w", err)
	}
	defer f.Close()
	n, err := io.Copy(f, io.LimitReader(zr, maxDB+1))
	switch {
	case in.err != nil:
		return in.err
	case err != nil:
		return fmt.Errorf("%w: decompressing %s: %v", ErrLayer, want.Digest, err)
	case n > maxDB:
		return fmt.Errorf("%w: decompresses to over the %d byte limit", ErrLayer, maxDB)
	}
	// Read to the end, so trailing bytes are hashed and counted too.
	if _, err := io.Copy(io.Discard, in); err != nil {
		return err
	}
	if in.n > want.Size {
		return fmt.Errorf("%w: %s is longer than the %d bytes the manifest says", ErrLayer, want.Digest, want.Size)
	}
	if in.n < want.Size {
		return fmt.Errorf("%w: %s is %d bytes, the manifest says %d", ErrLayer, want.Digest, in.n, want.Size)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want.Digest.Hex {
		return fmt.Errorf("%w: content hashes to %s:%s, the manifest says %s", ErrLayer, want.Digest.Algorithm, got, want.Digest)
	}
	if err := f.Chmod(0o644); err != nil {
		return fmt.Errorf("dbartifact: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("dbartifact: %w", err)
	}
	return f.Close()
}

// sourceReader counts bytes and keeps the source's own error apart from
// the decoder's, so a dropped connection is not reported as a bad layer.
type sourceReader struct {
	r   io.Reader
	n   int64
	err error
}

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	s.n += int64(n)
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}

// localNewest is the newest import of the database at path; ok is false
// when there is none this build can read, which a pull may then replace.
func localNewest(ctx context.Context, path string) (time.Time, bool) {
	db, err := vulndb.Open(ctx, path)
	if err != nil {
		return time.Time{}, false
	}
	defer db.Close()
	st, err := db.Status(ctx)
	if err != nil {
		return time.Time{}, false
	}
	return newest(st), true
}
