package image

import (
	"bytes"
	"context"
	"errors"
	"io"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// v1Image adapts a go-containerregistry image; everything but layer content
// is read once, when it is made.
type v1Image struct {
	source, name, digest, configDigest, platform string
	created                                      time.Time
	layers                                       []Layer
}

var _ Image = (*v1Image)(nil)

func (i *v1Image) Source() string       { return i.source }
func (i *v1Image) Name() string         { return i.name }
func (i *v1Image) Digest() string       { return i.digest }
func (i *v1Image) ConfigDigest() string { return i.configDigest }
func (i *v1Image) Platform() string     { return i.platform }
func (i *v1Image) Created() time.Time   { return i.created }
func (i *v1Image) Layers() []Layer      { return i.layers }

// v1Layer is one layer of a v1Image.
type v1Layer struct {
	layer     v1.Layer
	source    string
	index     int
	diffID    string
	digest    string
	size      int64
	createdBy string
	limits    Limits
	// verifyBlob says the walk must hash the stored blob and compare it to
	// digest, because the source does not.
	verifyBlob bool
	// storedUncompressed says the blob is plain tar and must be read with
	// Uncompressed (Compressed would gzip it).
	storedUncompressed bool
	progress           *Progress // nil: not counted
}

var _ Layer = (*v1Layer)(nil)

func (l *v1Layer) Index() int        { return l.index }
func (l *v1Layer) DiffID() string    { return l.diffID }
func (l *v1Layer) Digest() string    { return l.digest }
func (l *v1Layer) Size() int64       { return l.size }
func (l *v1Layer) CreatedBy() string { return l.createdBy }

// Walk streams the layer's blob through decompression and the tar reader,
// verifying its digests when the stream ends.
func (l *v1Layer) Walk(ctx context.Context, fn WalkFunc) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var (
		rc  io.ReadCloser
		err error
	)
	if l.storedUncompressed {
		rc, err = l.layer.Uncompressed()
	} else {
		rc, err = l.layer.Compressed()
	}
	if err != nil {
		return l.fail(err)
	}
	defer rc.Close()
	if l.progress != nil {
		rc = countingReader{ReadCloser: rc, p: l.progress}
		defer l.progress.layers.Add(1)
	}
	s := &stream{limits: l.limits, diffID: l.diffID}
	if l.verifyBlob {
		s.blobDigest = l.digest
	}
	err = s.walk(ctx, rc, fn)
	var lf *layerFailure
	if errors.As(err, &lf) {
		return l.fail(lf.err)
	}
	return err
}

func (l *v1Layer) fail(err error) error {
	return &LayerError{Image: l.source, Index: l.index, DiffID: l.diffID, Err: err}
}

// v1Meta is what a transport knows about an image that the v1.Image does not.
type v1Meta struct {
	name   string
	digest string // overrides img.Digest() when set
}

// FromV1 adapts a go-containerregistry image. source names it in errors and
// is returned by Source; when it is a registry reference, Name is its
// repository. Options other than WithLimits have no effect here.
//
// The config must be JSON and list one diff_id per layer; history entries
// marked empty_layer are skipped when matching build steps to layers, and
// layers past the end of a short history get no CreatedBy. Every compressed
// blob is checked against its digest during Walk, since an arbitrary
// v1.Image does not promise that it checks its blobs.
func FromV1(img v1.Image, source string, opts ...Option) (Image, error) {
	o, err := makeOptions(opts)
	if err != nil {
		return nil, &ImageError{Image: source, Err: err}
	}
	var meta v1Meta
	if ref, err := name.ParseReference(source); err == nil {
		meta.name = ref.Context().Name()
	}
	return fromV1(img, source, meta, o)
}

func fromV1(img v1.Image, source string, meta v1Meta, o *options) (*v1Image, error) {
	if img == nil {
		return nil, imageErr(source, "no image")
	}
	raw, err := img.RawConfigFile()
	if err != nil {
		return nil, imageErr(source, "reading config: %w", err)
	}
	cfg, err := v1.ParseConfigFile(bytes.NewReader(raw))
	if err != nil {
		return nil, imageErr(source, "config is not a valid image config: %w", err)
	}
	cfgName, _, err := v1.SHA256(bytes.NewReader(raw))
	if err != nil {
		return nil, imageErr(source, "hashing config: %w", err)
	}
	out := &v1Image{
		source:       source,
		name:         meta.name,
		digest:       meta.digest,
		configDigest: cfgName.String(),
		created:      cfg.Created.Time,
	}
	if p := cfg.Platform(); p != nil && p.OS != "" && p.Architecture != "" {
		out.platform = p.String()
		if o.platformSet && !p.Satisfies(o.platform) {
			return nil, imageErr(source, "the image is for platform %s only, not %s", p, &o.platform)
		}
	}
	var descs []v1.Descriptor
	// A docker-archive with plain tar layers has no manifest; asking for one
	// would gzip every layer to compute its digest.
	if !o.storedUncompressed {
		m, err := img.Manifest()
		if err != nil {
			return nil, imageErr(source, "reading manifest: %w", err)
		}
		if m.Config.Digest != cfgName {
			return nil, imageErr(source, "%w: config is %s, manifest says %s", ErrDigestMismatch, cfgName, m.Config.Digest)
		}
		if out.digest == "" {
			d, err := img.Digest()
			if err != nil {
				return nil, imageErr(source, "manifest digest: %w", err)
			}
			out.digest = d.String()
		}
		descs = m.Layers
	}
	layers, err := img.Layers()
	if err != nil {
		return nil, imageErr(source, "listing layers: %w", err)
	}
	diffIDs := cfg.RootFS.DiffIDs
	if len(diffIDs) != len(layers) || (descs != nil && len(descs) != len(layers)) {
		return nil, imageErr(source, "config lists %d diff_ids for %d layers", len(diffIDs), len(layers))
	}
	createdBy := layerHistory(cfg.History)
	for i, l := range layers {
		vl := &v1Layer{
			layer:              l,
			source:             source,
			index:              i,
			diffID:             diffIDs[i].String(),
			limits:             o.limits,
			verifyBlob:         !o.blobsVerified && !o.storedUncompressed,
			storedUncompressed: o.storedUncompressed,
			progress:           o.progress,
		}
		if i < len(createdBy) {
			vl.createdBy = createdBy[i]
		}
		if descs != nil {
			vl.digest, vl.size = descs[i].Digest.String(), descs[i].Size
		} else {
			// A plain tar blob's digest is its DiffID, checked by the walk.
			vl.digest = vl.diffID
		}
		out.layers = append(out.layers, vl)
		if o.progress != nil {
			o.progress.totalLayers.Add(1)
			o.progress.totalBytes.Add(vl.size)
		}
	}
	return out, nil
}

// layerHistory returns created_by of the history entries that made a layer,
// in order.
func layerHistory(h []v1.History) []string {
	var out []string
	for _, e := range h {
		if !e.EmptyLayer {
			out = append(out, e.CreatedBy)
		}
	}
	return out
}
