package image

import (
	"fmt"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// maxIndexDepth bounds nested indexes: an index of indexes is legitimate, a
// chain of them is an attack on the reader.
const maxIndexDepth = 4

// pickPlatform returns the image of idx, or of an index nested in it, that
// runs on want, with the manifest digest the index records for it. When
// there is none, the error lists the platforms there are.
func pickPlatform(idx v1.ImageIndex, want v1.Platform) (v1.Image, v1.Hash, error) {
	var have []string
	img, h, err := pickIn(idx, want, 0, &have)
	if err != nil || img != nil {
		return img, h, err
	}
	slices.Sort(have)
	have = slices.Compact(have)
	if len(have) == 0 {
		return nil, v1.Hash{}, fmt.Errorf("the index has no image for platform %s, nor for any platform", want)
	}
	return nil, v1.Hash{}, fmt.Errorf("the index has no image for platform %s; it has %s", want, strings.Join(have, ", "))
}

func pickIn(idx v1.ImageIndex, want v1.Platform, depth int, have *[]string) (v1.Image, v1.Hash, error) {
	if depth > maxIndexDepth {
		return nil, v1.Hash{}, fmt.Errorf("indexes nested more than %d deep", maxIndexDepth)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		return nil, v1.Hash{}, fmt.Errorf("reading index: %w", err)
	}
	for _, d := range m.Manifests {
		switch {
		case d.MediaType.IsIndex():
			child, err := idx.ImageIndex(d.Digest)
			if err != nil {
				return nil, v1.Hash{}, fmt.Errorf("reading nested index %s: %w", d.Digest, err)
			}
			if err := checkDigest(child, d.Digest); err != nil {
				return nil, v1.Hash{}, err
			}
			img, h, err := pickIn(child, want, depth+1, have)
			if err != nil || img != nil {
				return img, h, err
			}
		case d.MediaType.IsImage():
			// Platforms "unknown/unknown" are buildkit's attestations.
			if d.Platform == nil || d.Platform.OS == "unknown" {
				continue
			}
			*have = append(*have, d.Platform.String())
			if !d.Platform.Satisfies(want) {
				continue
			}
			img, err := idx.Image(d.Digest)
			if err != nil {
				return nil, v1.Hash{}, fmt.Errorf("reading image %s: %w", d.Digest, err)
			}
			if err := checkDigest(img, d.Digest); err != nil {
				return nil, v1.Hash{}, err
			}
			return img, d.Digest, nil
		}
	}
	return nil, v1.Hash{}, nil
}

// checkDigest makes sure the manifest bytes hash to the digest that named
// them: an OCI layout on disk does not check it.
func checkDigest(m interface{ RawManifest() ([]byte, error) }, want v1.Hash) error {
	raw, err := m.RawManifest()
	if err != nil {
		return fmt.Errorf("reading manifest %s: %w", want, err)
	}
	h, err := v1.Hasher(want.Algorithm)
	if err != nil {
		return fmt.Errorf("manifest %s: %w", want, err)
	}
	h.Write(raw)
	got := v1.Hash{Algorithm: want.Algorithm, Hex: fmt.Sprintf("%x", h.Sum(nil))}
	if got != want {
		return fmt.Errorf("%w: manifest is %s, its descriptor says %s", ErrDigestMismatch, got, want)
	}
	return nil
}
