package image

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// openOCIArchive opens an image from a tar of an OCI image layout (what
// `skopeo copy … oci-archive:` and `docker buildx --output type=oci`
// write). The tar is read in place: one pass over its headers records where
// each blob's bytes sit, and blobs are then read from those offsets, so
// nothing is unpacked to disk. Blobs are checked as for an OCI layout
// folder: manifests against the index, layers during the walk.
func openOCIArchive(source, file, tag string, o *options) (Image, error) {
	ot, err := indexOCITar(file)
	if err != nil {
		return nil, imageErr(source, "%w", err)
	}
	raw, err := ot.read("index.json", maxArchiveJSON)
	if err != nil {
		return nil, imageErr(source, "not an OCI archive: %w", err)
	}
	idx := &ociTarIndex{tar: ot, raw: raw, mediaType: types.OCIImageIndex}
	return openIndex(source, idx, tag, o)
}

// ociTar is an OCI layout inside a tar file: where each member's bytes are.
type ociTar struct {
	file    string
	members map[string]tarMember
}

type tarMember struct{ offset, size int64 }

// indexOCITar reads the tar's headers once. Go's tar reader reads headers
// in whole blocks without buffering ahead, so after Next the file offset is
// where the member's bytes start.
func indexOCITar(file string) (*ociTar, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ot := &ociTar{file: file, members: map[string]tarMember{}}
	tr := tar.NewReader(f)
	for n := 0; ; n++ {
		if n > DefaultLimits.MaxEntries {
			return nil, fmt.Errorf("%w: more than %d tar entries", ErrLimit, DefaultLimits.MaxEntries)
		}
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading the tar: %w", err)
		}
		if h.Typeflag != tar.TypeReg && h.Typeflag != '\x00' {
			continue
		}
		off, err := f.Seek(0, io.SeekCurrent)
		if err != nil {
			return nil, err
		}
		ot.members[path.Clean(h.Name)] = tarMember{offset: off, size: h.Size}
	}
	if _, ok := ot.members["oci-layout"]; !ok {
		return nil, errors.New("not an OCI archive: the tar has no oci-layout file")
	}
	return ot, nil
}

// open returns a reader of one member's bytes.
func (t *ociTar) open(name string) (io.ReadCloser, int64, error) {
	m, ok := t.members[name]
	if !ok {
		return nil, 0, fmt.Errorf("the archive has no %s", name)
	}
	f, err := os.Open(t.file)
	if err != nil {
		return nil, 0, err
	}
	return struct {
		io.Reader
		io.Closer
	}{io.NewSectionReader(f, m.offset, m.size), f}, m.size, nil
}

// read returns one member's bytes, refusing more than limit.
func (t *ociTar) read(name string, limit int64) ([]byte, error) {
	rc, size, err := t.open(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	if size > limit {
		return nil, fmt.Errorf("%s is %d bytes, over the %d byte limit", name, size, limit)
	}
	return io.ReadAll(rc)
}

func blobName(h v1.Hash) string { return path.Join("blobs", h.Algorithm, h.Hex) }

// ociTarIndex is an index inside the archive; its children are read by
// digest. Digests are checked by openIndex and pickPlatform (checkDigest).
type ociTarIndex struct {
	tar       *ociTar
	raw       []byte
	mediaType types.MediaType
}

var _ v1.ImageIndex = (*ociTarIndex)(nil)

func (i *ociTarIndex) MediaType() (types.MediaType, error) { return i.mediaType, nil }
func (i *ociTarIndex) Digest() (v1.Hash, error)            { return partial.Digest(i) }
func (i *ociTarIndex) Size() (int64, error)                { return partial.Size(i) }
func (i *ociTarIndex) RawManifest() ([]byte, error)        { return i.raw, nil }
func (i *ociTarIndex) IndexManifest() (*v1.IndexManifest, error) {
	return v1.ParseIndexManifest(bytes.NewReader(i.raw))
}

func (i *ociTarIndex) ImageIndex(h v1.Hash) (v1.ImageIndex, error) {
	raw, err := i.tar.read(blobName(h), maxArchiveJSON)
	if err != nil {
		return nil, err
	}
	return &ociTarIndex{tar: i.tar, raw: raw, mediaType: types.OCIImageIndex}, nil
}

func (i *ociTarIndex) Image(h v1.Hash) (v1.Image, error) {
	raw, err := i.tar.read(blobName(h), maxArchiveJSON)
	if err != nil {
		return nil, err
	}
	m, err := v1.ParseManifest(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	mt := m.MediaType
	if mt == "" {
		mt = types.OCIManifestSchema1
	}
	return partial.CompressedToImage(&ociTarImage{tar: i.tar, raw: raw, manifest: m, mediaType: mt})
}

// ociTarImage is the compressed core of an image inside the archive.
type ociTarImage struct {
	tar       *ociTar
	raw       []byte
	manifest  *v1.Manifest
	mediaType types.MediaType
}

func (i *ociTarImage) MediaType() (types.MediaType, error) { return i.mediaType, nil }
func (i *ociTarImage) RawManifest() ([]byte, error)        { return i.raw, nil }
func (i *ociTarImage) RawConfigFile() ([]byte, error) {
	return i.tar.read(blobName(i.manifest.Config.Digest), maxArchiveJSON)
}

func (i *ociTarImage) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	for _, d := range i.manifest.Layers {
		if d.Digest == h {
			return &ociTarLayer{tar: i.tar, desc: d}, nil
		}
	}
	if h == i.manifest.Config.Digest {
		return &ociTarLayer{tar: i.tar, desc: i.manifest.Config}, nil
	}
	return nil, fmt.Errorf("the manifest has no blob %s", h)
}

// ociTarLayer is one stored blob; the walk checks it against its digest.
type ociTarLayer struct {
	tar  *ociTar
	desc v1.Descriptor
}

func (l *ociTarLayer) Digest() (v1.Hash, error)            { return l.desc.Digest, nil }
func (l *ociTarLayer) Size() (int64, error)                { return l.desc.Size, nil }
func (l *ociTarLayer) MediaType() (types.MediaType, error) { return l.desc.MediaType, nil }
func (l *ociTarLayer) Compressed() (io.ReadCloser, error) {
	rc, _, err := l.tar.open(blobName(l.desc.Digest))
	return rc, err
}
