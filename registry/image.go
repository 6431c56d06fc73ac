package registry

import (
	"bytes"
	"context"
	"fmt"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/drydock/drydock/blobstore"
	"github.com/drydock/drydock/store"
)

// StoredImage is the image manifest dgst of repo read straight from the
// registry's own store and blob store, with no HTTP round trip: how the
// registry scans what was pushed to it. It is read-only; a blob is served
// only when the repository holds it, and ctx bounds every read.
func StoredImage(ctx context.Context, st *store.Store, blobs *blobstore.Store, repo, dgst string) (v1.Image, error) {
	m, err := st.GetManifest(ctx, repo, dgst)
	if err != nil {
		return nil, err
	}
	switch types.MediaType(m.MediaType) {
	case types.OCIManifestSchema1, types.DockerManifestSchema2:
	default:
		return nil, fmt.Errorf("registry: %s@%s is a %s, not an image manifest", repo, dgst, m.MediaType)
	}
	core := &storedImage{ctx: ctx, st: st, blobs: blobs, repo: repo, m: m}
	mf, err := v1.ParseManifest(bytes.NewReader(m.Content))
	if err != nil {
		return nil, fmt.Errorf("registry: %s@%s: %w", repo, dgst, err)
	}
	core.manifest = mf
	return partial.CompressedToImage(core)
}

// StoredIndex is the index manifest dgst of repo: its RawManifest and
// IndexManifest, to find the platform manifests beneath it.
func StoredIndex(ctx context.Context, st *store.Store, repo, dgst string) (*v1.IndexManifest, error) {
	m, err := st.GetManifest(ctx, repo, dgst)
	if err != nil {
		return nil, err
	}
	switch types.MediaType(m.MediaType) {
	case types.OCIImageIndex, types.DockerManifestList:
	default:
		return nil, fmt.Errorf("registry: %s@%s is a %s, not an index", repo, dgst, m.MediaType)
	}
	idx, err := v1.ParseIndexManifest(bytes.NewReader(m.Content))
	if err != nil {
		return nil, fmt.Errorf("registry: %s@%s: %w", repo, dgst, err)
	}
	return idx, nil
}

type storedImage struct {
	ctx      context.Context
	st       *store.Store
	blobs    *blobstore.Store
	repo     string
	m        *store.Manifest
	manifest *v1.Manifest
}

var _ partial.CompressedImageCore = (*storedImage)(nil)

func (i *storedImage) RawManifest() ([]byte, error) { return i.m.Content, nil }

func (i *storedImage) MediaType() (types.MediaType, error) {
	return types.MediaType(i.m.MediaType), nil
}

func (i *storedImage) RawConfigFile() ([]byte, error) {
	rc, err := i.open(i.manifest.Config.Digest)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	const maxConfig = 8 << 20 // configs are kilobytes; a bigger one is hostile
	b, err := io.ReadAll(io.LimitReader(rc, maxConfig+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxConfig {
		return nil, fmt.Errorf("registry: config %s of %s is over %d bytes", i.manifest.Config.Digest, i.repo, maxConfig)
	}
	return b, nil
}

func (i *storedImage) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	for _, d := range i.manifest.Layers {
		if d.Digest == h {
			return &storedLayer{img: i, desc: d}, nil
		}
	}
	if i.manifest.Config.Digest == h {
		return &storedLayer{img: i, desc: i.manifest.Config}, nil
	}
	return nil, fmt.Errorf("registry: %s@%s has no layer %s", i.repo, i.m.Digest, h)
}

// open reads a blob the repository holds.
func (i *storedImage) open(h v1.Hash) (io.ReadCloser, error) {
	if _, err := i.st.BlobSize(i.ctx, i.repo, h.String()); err != nil {
		return nil, fmt.Errorf("registry: blob %s in %s: %w", h, i.repo, err)
	}
	d, err := blobstore.ParseDigest(h.String())
	if err != nil {
		return nil, err
	}
	return i.blobs.Open(i.ctx, d, 0)
}

type storedLayer struct {
	img  *storedImage
	desc v1.Descriptor
}

func (l *storedLayer) Digest() (v1.Hash, error)            { return l.desc.Digest, nil }
func (l *storedLayer) Compressed() (io.ReadCloser, error)  { return l.img.open(l.desc.Digest) }
func (l *storedLayer) Size() (int64, error)                { return l.desc.Size, nil }
func (l *storedLayer) MediaType() (types.MediaType, error) { return l.desc.MediaType, nil }
