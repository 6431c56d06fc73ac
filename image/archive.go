package image

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// maxArchiveJSON bounds the JSON documents read from a docker-archive
// (index.json, manifests) into memory.
const maxArchiveJSON = 4 << 20

// openArchive opens an image from a docker-archive file. body is FILE or
// FILE:TAG; only the file system can tell which colon ends the file name.
func openArchive(source, body string, o *options) (Image, error) {
	file, tagStr, err := splitArchive(body)
	if err != nil {
		return nil, &ImageError{Image: source, Err: err}
	}
	opener := func() (io.ReadCloser, error) { return os.Open(file) }
	mf, err := tarball.LoadManifest(opener)
	if err != nil {
		return nil, imageErr(source, "not a docker-archive (no readable manifest.json): %w", err)
	}
	desc, tag, err := pickArchiveImage(mf, tagStr)
	if err != nil {
		return nil, &ImageError{Image: source, Err: err}
	}
	if len(desc.Layers) == 0 {
		return nil, imageErr(source, "the archive's manifest.json lists no layers")
	}
	scan, err := scanArchive(file, desc.Layers[0])
	if err != nil {
		return nil, imageErr(source, "reading the archive: %w", err)
	}
	img, err := tarball.Image(opener, tag)
	if err != nil {
		return nil, imageErr(source, "%w", err)
	}
	ao := *o
	// Compressed layers were hashed by go-containerregistry to make the
	// manifest it reports, so their digests hold by construction; plain tar
	// layers are read as such, checked against their DiffIDs.
	compressed := bytes.HasPrefix(scan.magic, gzipMagic) || bytes.HasPrefix(scan.magic, zstdMagic)
	ao.blobsVerified, ao.storedUncompressed = compressed, !compressed
	meta := v1Meta{}
	// A local archive's image is named as its manifest writes it: the
	// registry a default would add ("index.docker.io/library/") is not
	// where it came from.
	if len(desc.RepoTags) > 0 {
		if _, err := name.NewTag(desc.RepoTags[0]); err == nil {
			meta.name = repositoryAsWritten(desc.RepoTags[0])
		}
	}
	if tag != nil {
		meta.name = repositoryAsWritten(tag.String())
	}
	if raw, err := img.RawConfigFile(); err == nil && !compressed {
		cfg, _, _ := v1.SHA256(bytes.NewReader(raw))
		meta.digest = scan.manifestFor(file, cfg)
	}
	out, err := fromV1(img, source, meta, &ao)
	if err != nil {
		return nil, err
	}
	if !compressed {
		for i, l := range out.layers {
			l.(*v1Layer).size = scan.sizes[path.Clean(desc.Layers[i])]
		}
	}
	return out, nil
}

// splitArchive finds the file in FILE[:TAG]: the whole body if it is a
// file, else the shortest prefix before a colon that is one.
func splitArchive(body string) (file, tag string, err error) {
	if fi, err := os.Stat(body); err == nil && fi.Mode().IsRegular() {
		return body, "", nil
	}
	for i := 0; i < len(body); i++ {
		if body[i] != ':' {
			continue
		}
		if fi, err := os.Stat(body[:i]); err == nil && fi.Mode().IsRegular() {
			if body[i+1:] == "" {
				return "", "", errors.New("empty tag after the file name")
			}
			return body[:i], body[i+1:], nil
		}
	}
	return "", "", errors.New("no such file (docker-archive:FILE[:TAG])")
}

// pickArchiveImage chooses the archive's image for tagStr, or its only one.
func pickArchiveImage(mf tarball.Manifest, tagStr string) (tarball.Descriptor, *name.Tag, error) {
	var all []string
	for _, d := range mf {
		all = append(all, d.RepoTags...)
	}
	if tagStr == "" {
		switch len(mf) {
		case 0:
			return tarball.Descriptor{}, nil, errors.New("the archive's manifest.json lists no image")
		case 1:
			return mf[0], nil, nil
		}
		return tarball.Descriptor{}, nil, fmt.Errorf("the archive holds %d images; name one as docker-archive:FILE:TAG (tags: %s)", len(mf), listOrNone(all))
	}
	tag, err := name.NewTag(tagStr)
	if err != nil {
		return tarball.Descriptor{}, nil, fmt.Errorf("%q is not a valid tag: %w", tagStr, err)
	}
	for _, d := range mf {
		for _, rt := range d.RepoTags {
			if t, err := name.NewTag(rt); err == nil && t.Name() == tag.Name() {
				return d, &tag, nil
			}
		}
	}
	return tarball.Descriptor{}, nil, fmt.Errorf("no image is tagged %s; the archive has %s", tagStr, listOrNone(all))
}

// archiveScan is what one pass over the archive's headers tells: the
// stored size of each file, the first bytes of the first layer (to know
// whether layers are compressed) and index.json, which docker 25 and later
// add with the image's real manifest.
type archiveScan struct {
	sizes map[string]int64
	magic []byte
	index []byte
}

func scanArchive(file, firstLayer string) (*archiveScan, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s := &archiveScan{sizes: map[string]int64{}}
	first := path.Clean(firstLayer)
	// The tar reader seeks over file bodies, since f is an io.Seeker.
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return s, nil
		}
		if err != nil {
			return nil, err
		}
		n := path.Clean(h.Name)
		s.sizes[n] = h.Size
		switch {
		case n == first:
			s.magic = make([]byte, 4)
			k, _ := io.ReadFull(tr, s.magic)
			s.magic = s.magic[:k]
		case n == "index.json" && h.Size <= maxArchiveJSON:
			if s.index, err = io.ReadAll(tr); err != nil {
				return nil, err
			}
		}
	}
}

// manifestFor returns the digest of the manifest in the archive's
// index.json whose config is cfg, or "" when the archive has none (docker
// before 25 wrote no manifest).
func (s *archiveScan) manifestFor(file string, cfg v1.Hash) string {
	if s.index == nil {
		return ""
	}
	idx, err := v1.ParseIndexManifest(bytes.NewReader(s.index))
	if err != nil {
		return ""
	}
	want := map[string]v1.Hash{}
	for _, d := range idx.Manifests {
		if d.MediaType.IsImage() {
			want[path.Join("blobs", d.Digest.Algorithm, d.Digest.Hex)] = d.Digest
		}
	}
	f, err := os.Open(file)
	if err != nil {
		return ""
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err != nil {
			return ""
		}
		d, ok := want[path.Clean(h.Name)]
		if !ok || h.Size > maxArchiveJSON {
			continue
		}
		raw, err := io.ReadAll(tr)
		if err != nil || checkDigest(rawManifest(raw), d) != nil {
			continue
		}
		var m v1.Manifest
		if json.Unmarshal(raw, &m) == nil && m.Config.Digest == cfg {
			return d.String()
		}
	}
}

type rawManifest []byte

func (r rawManifest) RawManifest() ([]byte, error) { return r, nil }
