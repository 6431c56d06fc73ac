package gate

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/drydock/drydock/image"
)

// Annotations a builder may set on the manifest to name the base image.
const (
	baseNameAnnotation   = "org.opencontainers.image.base.name"
	baseDigestAnnotation = "org.opencontainers.image.base.digest"
)

// source is the image as the gate pushes it: a single-platform image, or a
// multi-platform index (pushed whole; the scan judged one platform of it).
type source struct {
	img v1.Image
	idx v1.ImageIndex
}

// openSource opens what the gate will push, without reading layer content.
func openSource(ctx context.Context, ref string, access image.RegistryAccess) (*source, error) {
	bad := func(err error) error { return &Error{Op: "open " + ref, Err: err, Input: true} }
	switch {
	case strings.HasPrefix(ref, "oci:"):
		dir, tag := splitTag(strings.TrimPrefix(ref, "oci:"))
		p, err := layout.FromPath(dir)
		if err != nil {
			return nil, bad(err)
		}
		ii, err := p.ImageIndex()
		if err != nil {
			return nil, bad(err)
		}
		im, err := ii.IndexManifest()
		if err != nil {
			return nil, bad(err)
		}
		d, err := pickLayout(im.Manifests, tag)
		if err != nil {
			return nil, bad(err)
		}
		if d.MediaType.IsIndex() {
			idx, err := ii.ImageIndex(d.Digest)
			if err != nil {
				return nil, bad(err)
			}
			return &source{idx: idx}, nil
		}
		img, err := ii.Image(d.Digest)
		if err != nil {
			return nil, bad(err)
		}
		return &source{img: img}, nil
	case strings.HasPrefix(ref, "docker-archive:"):
		file, tagStr := splitTag(strings.TrimPrefix(ref, "docker-archive:"))
		var tag *name.Tag
		if tagStr != "" {
			t, err := name.NewTag(tagStr)
			if err != nil {
				return nil, bad(err)
			}
			tag = &t
		}
		img, err := tarball.ImageFromPath(file, tag)
		if err != nil {
			return nil, bad(err)
		}
		return &source{img: img}, nil
	case strings.HasPrefix(ref, "dir:") || strings.HasPrefix(ref, "sbom:"):
		return nil, bad(errors.New("a root filesystem or an SBOM cannot be pushed: gate an OCI layout, a docker archive or a registry image"))
	}
	r, err := name.ParseReference(ref, access.NameOptions()...)
	if err != nil {
		return nil, bad(err)
	}
	desc, err := remote.Get(r, access.RemoteOptions(ctx)...)
	if err != nil {
		return nil, bad(err)
	}
	if desc.MediaType.IsIndex() {
		idx, err := desc.ImageIndex()
		if err != nil {
			return nil, bad(err)
		}
		return &source{idx: idx}, nil
	}
	img, err := desc.Image()
	if err != nil {
		return nil, bad(err)
	}
	return &source{img: img}, nil
}

// splitTag splits "PATH:TAG"; a colon inside the path's last element
// only counts when what follows has no slash.
func splitTag(s string) (string, string) {
	i := strings.LastIndex(s, ":")
	if i < 0 || strings.Contains(s[i+1:], "/") {
		return s, ""
	}
	return s[:i], s[i+1:]
}

func pickLayout(ds []v1.Descriptor, tag string) (v1.Descriptor, error) {
	if tag == "" {
		if len(ds) == 1 {
			return ds[0], nil
		}
		return v1.Descriptor{}, fmt.Errorf("the layout holds %d images: name one as oci:DIR:TAG", len(ds))
	}
	for _, d := range ds {
		if d.Annotations["org.opencontainers.image.ref.name"] == tag {
			return d, nil
		}
	}
	return v1.Descriptor{}, fmt.Errorf("no image tagged %q in the layout", tag)
}

func (s *source) digest() (v1.Hash, error) {
	var h v1.Hash
	var err error
	if s.idx != nil {
		h, err = s.idx.Digest()
	} else {
		h, err = s.img.Digest()
	}
	if err != nil {
		return h, &Error{Op: "digest", Err: err, Input: true}
	}
	return h, nil
}

// push uploads blobs and the manifest by digest (no tag) and returns the
// manifest's descriptor, computed here: a namespace that serves only signed
// images would refuse to read it back before it is signed.
func (s *source) push(ctx context.Context, d name.Digest, ropts []remote.Option) (*v1.Descriptor, error) {
	var err error
	var desc *v1.Descriptor
	if s.idx != nil {
		if err = remote.WriteIndex(d, s.idx, ropts...); err == nil {
			desc, err = partial.Descriptor(s.idx)
		}
	} else {
		if err = remote.Write(d, s.img, ropts...); err == nil {
			desc, err = partial.Descriptor(s.img)
		}
	}
	if err != nil {
		return nil, err
	}
	if desc.Digest.String() != d.DigestStr() {
		return nil, fmt.Errorf("pushed %s under %s", desc.Digest, d)
	}
	return desc, nil
}

// tag points tag at the pushed manifest.
func (s *source) tag(ctx context.Context, tag name.Tag, ropts []remote.Option) error {
	if s.idx != nil {
		return remote.Tag(tag, s.idx, ropts...)
	}
	return remote.Tag(tag, s.img, ropts...)
}

// base is the base image named in the manifest's annotations, if any.
func (s *source) base() (name, digest string) {
	var m map[string]string
	if s.idx != nil {
		if im, err := s.idx.IndexManifest(); err == nil {
			m = im.Annotations
		}
	} else if mf, err := s.img.Manifest(); err == nil {
		m = mf.Annotations
	}
	return m[baseNameAnnotation], m[baseDigestAnnotation]
}
