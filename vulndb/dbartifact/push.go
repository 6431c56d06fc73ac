package dbartifact

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/klauspost/compress/zstd"
	_ "modernc.org/sqlite" // the "sqlite" driver the snapshot is taken with

	"github.com/drydock/drydock/image"
	"github.com/drydock/drydock/vulndb"
)

// Result describes the artifact a Push wrote or a Pull installed.
type Result struct {
	// Ref is the repository and manifest digest, "host/repo@sha256:…".
	Ref string
	// LayerSize is the compressed layer's size; DBSize the database file's.
	LayerSize, DBSize int64
	Records           int
	// Built is when the database file was written; Newest the latest
	// import of any of its sources (Built when it has none).
	Built, Newest time.Time

	schema  int
	sources map[string]string // name → last import, RFC 3339
}

// emptyConfig is the OCI empty descriptor's content, "{}": an artifact
// has no image config.
var emptyConfig = static.NewLayer([]byte("{}"), types.OCIEmptyJSON)

// Push uploads a snapshot of the database at dbPath to ref, a tag, as an
// OCI 1.1 artifact. The snapshot is taken with VACUUM INTO, so an update
// renaming a new file into place meanwhile cannot tear it, and is checked
// with vulndb.Open before anything is sent. Temporary files go beside
// dbPath and are removed. Options read: WithBasicAuth, WithInsecure,
// WithTransport, WithClock.
func Push(ctx context.Context, dbPath, ref string, opts ...Option) (*Result, error) {
	o, err := newOptions(opts)
	if err != nil {
		return nil, err
	}
	tag, err := name.NewTag(ref, o.access.NameOptions()...)
	if err != nil {
		return nil, &Error{Ref: ref, Err: fmt.Errorf("not a tag reference: %w", err)}
	}
	// Open first: a missing or foreign file gets vulndb's own clear error.
	db, err := vulndb.Open(ctx, dbPath)
	if err != nil {
		return nil, err
	}
	db.Close()

	snap, err := tempBeside(dbPath)
	if err != nil {
		return nil, err
	}
	defer os.Remove(snap)
	if err := snapshot(ctx, dbPath, snap); err != nil {
		return nil, err
	}
	res, err := describe(ctx, snap)
	if err != nil {
		return nil, err
	}
	zpath, err := tempBeside(dbPath)
	if err != nil {
		return nil, err
	}
	defer os.Remove(zpath)
	layer, err := compress(snap, zpath)
	if err != nil {
		return nil, err
	}
	if res.LayerSize, err = layer.Size(); err != nil {
		return nil, err
	}
	digest, err := layer.Digest()
	if err != nil {
		return nil, err
	}

	ropts := o.access.RemoteOptions(ctx)
	for _, l := range []v1.Layer{emptyConfig, layer} {
		if err := remote.WriteLayer(tag.Context(), l, ropts...); err != nil {
			return nil, pushErr(ref, tag, o.access, err)
		}
	}
	m := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		ArtifactType:  ArtifactType,
		Config:        v1.Descriptor{MediaType: types.OCIEmptyJSON, Size: 2, Digest: emptyDigest(), Data: []byte("{}")},
		Layers:        []v1.Descriptor{{MediaType: LayerMediaType, Size: res.LayerSize, Digest: digest}},
		Annotations:   annotations(res, o.now()),
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("dbartifact: %w", err)
	}
	if o.signer != nil {
		// By digest first, signed, and only then tagged: a scanner that
		// pulls the tag never sees the new database unsigned.
		if err := remote.Put(tag.Context().Digest(manifestDigest(raw)), rawManifest(raw), ropts...); err != nil {
			return nil, pushErr(ref, tag, o.access, err)
		}
		if err := signPushed(ctx, o.signer, tag.Context(), raw, ropts); err != nil {
			return nil, err
		}
	}
	if err := remote.Put(tag, rawManifest(raw), ropts...); err != nil {
		return nil, pushErr(ref, tag, o.access, err)
	}
	sum := sha256.Sum256(raw)
	res.Ref = tag.Context().Name() + "@sha256:" + hex.EncodeToString(sum[:])
	return res, nil
}

// pushErr says what a refusal means: the first request of a push is a HEAD,
// whose 401 carries no reason in a body. How to log in is said only when no
// credentials were given; with credentials, whether they or the rights were
// refused.
func pushErr(ref string, tag name.Tag, access image.RegistryAccess, err error) error {
	var te *transport.Error
	if errors.As(err, &te) && (te.StatusCode == http.StatusUnauthorized || te.StatusCode == http.StatusForbidden) {
		err = fmt.Errorf("no push access to %s: %w", tag.Context().RepositoryStr(), access.Explain(tag.Context(), err))
	}
	return registryErr(ref, err)
}

// tempBeside creates an empty temporary file in dbPath's folder, named as
// vulndb names its own, so vulndb removes it should this process be killed.
func tempBeside(dbPath string) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(dbPath), "."+filepath.Base(dbPath)+"-*.tmp")
	if err != nil {
		return "", fmt.Errorf("dbartifact: %w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("dbartifact: %w", err)
	}
	return f.Name(), nil
}

// snapshot copies the database at src into the empty file dst in one read
// transaction.
func snapshot(ctx context.Context, src, dst string) error {
	abs, err := filepath.Abs(src)
	if err != nil {
		return fmt.Errorf("dbartifact: %w", err)
	}
	// No sync of the copy: it is a temporary file, read once and removed.
	uri := (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String() +
		"?mode=ro&_pragma=busy_timeout(5000)&_pragma=synchronous(OFF)"
	sdb, err := sql.Open("sqlite", uri)
	if err != nil {
		return fmt.Errorf("dbartifact: snapshot %s: %w", src, err)
	}
	defer sdb.Close()
	if _, err := sdb.ExecContext(ctx, "VACUUM INTO ?", dst); err != nil {
		return fmt.Errorf("dbartifact: snapshot %s: %w", src, err)
	}
	return nil
}

// describe opens a database file and says what it holds.
func describe(ctx context.Context, path string) (*Result, error) {
	db, err := vulndb.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	st, err := db.Status(ctx)
	if err != nil {
		return nil, err
	}
	res := &Result{DBSize: st.Size, Records: st.Records, Built: st.Built, Newest: newest(st)}
	res.schema, res.sources = st.SchemaVersion, map[string]string{}
	for _, s := range st.Sources {
		res.sources[s.Name] = s.Imported.UTC().Format(time.RFC3339)
	}
	return res, nil
}

// newest is the latest import of any source, or the build time when the
// file has no source: what "older" means when a pull would replace a file.
func newest(st *vulndb.Status) time.Time {
	if len(st.Sources) == 0 {
		return st.Built
	}
	var t time.Time
	for _, s := range st.Sources {
		if s.Imported.After(t) {
			t = s.Imported
		}
	}
	return t
}

func annotations(res *Result, now time.Time) map[string]string {
	a := map[string]string{
		AnnotationCreated:       now.UTC().Format(time.RFC3339),
		AnnotationSchemaVersion: strconv.Itoa(res.schema),
		AnnotationRecords:       strconv.Itoa(res.Records),
		AnnotationBuilt:         res.Built.UTC().Format(time.RFC3339),
	}
	if b, err := json.Marshal(res.sources); err == nil {
		a[AnnotationSources] = string(b)
	}
	return a
}

// compress writes src zstd-compressed to the existing file dst, hashing it on the way, and
// returns dst as a layer that re-reads the file on each upload attempt.
func compress(src, dst string) (v1.Layer, error) {
	in, err := os.Open(src)
	if err != nil {
		return nil, fmt.Errorf("dbartifact: %w", err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return nil, fmt.Errorf("dbartifact: %w", err)
	}
	defer out.Close()
	h := sha256.New()
	cw := &countingWriter{w: io.MultiWriter(out, h)}
	zw, err := zstd.NewWriter(cw, zstd.WithEncoderLevel(zstd.SpeedDefault))
	if err != nil {
		return nil, fmt.Errorf("dbartifact: %w", err)
	}
	if _, err := io.Copy(zw, in); err != nil {
		zw.Close()
		return nil, fmt.Errorf("dbartifact: compress: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("dbartifact: compress: %w", err)
	}
	if err := out.Close(); err != nil {
		return nil, fmt.Errorf("dbartifact: %w", err)
	}
	fl := &fileLayer{path: dst, size: cw.n,
		digest: v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(h.Sum(nil))}}
	return partial.CompressedToLayer(fl)
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// fileLayer is a compressed layer kept in a file, so that a retried upload
// reads it again from the start without holding it in memory.
type fileLayer struct {
	path   string
	size   int64
	digest v1.Hash
}

var _ partial.CompressedLayer = (*fileLayer)(nil)

func (l *fileLayer) Digest() (v1.Hash, error)            { return l.digest, nil }
func (l *fileLayer) Size() (int64, error)                { return l.size, nil }
func (l *fileLayer) MediaType() (types.MediaType, error) { return LayerMediaType, nil }
func (l *fileLayer) Compressed() (io.ReadCloser, error)  { return os.Open(l.path) }

// rawManifest is a manifest already serialised, for remote.Put.
type rawManifest []byte

func (m rawManifest) RawManifest() ([]byte, error)        { return m, nil }
func (m rawManifest) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }

func emptyDigest() v1.Hash {
	sum := sha256.Sum256([]byte("{}"))
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])}
}
