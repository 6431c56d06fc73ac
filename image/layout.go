package image

import (
	"fmt"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
)

// refNameAnnotation is where an OCI layout records an image's tag.
const refNameAnnotation = "org.opencontainers.image.ref.name"

// openLayout opens an image from an OCI image layout. go-containerregistry
// reads a layout's blobs without checking them, so every link of the chain
// is checked here or in the walk: the manifest against the index, the
// config against the manifest (fromV1), each blob against the manifest and
// its content against the config (Walk).
func openLayout(source, dir, tag string, o *options) (Image, error) {
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil, imageErr(source, "%s is not a directory holding an OCI layout", dir)
	}
	p, err := layout.FromPath(dir)
	if err != nil {
		return nil, imageErr(source, "not an OCI layout: %w", err)
	}
	idx, err := p.ImageIndex()
	if err != nil {
		return nil, imageErr(source, "reading index.json: %w", err)
	}
	return openIndex(source, idx, tag, o)
}

// openIndex opens the image tag names in a layout's top index (an OCI
// layout folder or archive), picking the platform from a nested index.
func openIndex(source string, idx v1.ImageIndex, tag string, o *options) (Image, error) {
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, imageErr(source, "reading index.json: %w", err)
	}
	d, err := pickTag(im.Manifests, tag)
	if err != nil {
		return nil, &ImageError{Image: source, Err: err}
	}
	meta := v1Meta{name: nameFromRefName(d.Annotations[refNameAnnotation])}
	var img v1.Image
	switch {
	case d.MediaType.IsIndex():
		child, err := idx.ImageIndex(d.Digest)
		if err != nil {
			return nil, imageErr(source, "reading index %s: %w", d.Digest, err)
		}
		if err := checkDigest(child, d.Digest); err != nil {
			return nil, &ImageError{Image: source, Err: err}
		}
		var h v1.Hash
		img, h, err = pickPlatform(child, o.platform)
		if err != nil {
			return nil, &ImageError{Image: source, Err: err}
		}
		meta.digest = h.String()
		o = o.pickedFromIndex()
	case d.MediaType.IsImage():
		img, err = idx.Image(d.Digest)
		if err != nil {
			return nil, imageErr(source, "reading image %s: %w", d.Digest, err)
		}
		if err := checkDigest(img, d.Digest); err != nil {
			return nil, &ImageError{Image: source, Err: err}
		}
		meta.digest = d.Digest.String()
	default:
		return nil, imageErr(source, "manifest %s has type %q, not an image or an index", d.Digest, d.MediaType)
	}
	return fromV1(img, source, meta, o)
}

// pickTag finds the manifest a tag names; with no tag, the only one.
func pickTag(ds []v1.Descriptor, tag string) (v1.Descriptor, error) {
	var names []string
	for _, d := range ds {
		ref := d.Annotations[refNameAnnotation]
		if ref != "" {
			names = append(names, ref)
		}
		// Some tools record the tag alone, others a full reference.
		if tag != "" && (ref == tag || strings.HasSuffix(ref, ":"+tag)) {
			return d, nil
		}
	}
	switch {
	case tag != "":
		return v1.Descriptor{}, fmt.Errorf("no manifest is tagged %q; the layout has %s", tag, listOrNone(names))
	case len(ds) == 1:
		return ds[0], nil
	case len(ds) == 0:
		return v1.Descriptor{}, fmt.Errorf("the layout's index.json lists no manifest")
	}
	return v1.Descriptor{}, fmt.Errorf("the layout holds %d manifests; name one as oci:DIR:TAG (tags: %s)", len(ds), listOrNone(names))
}

func listOrNone(names []string) string {
	if len(names) == 0 {
		return "no tags"
	}
	return strings.Join(names, ", ")
}

// nameFromRefName returns the repository of a ref.name annotation that is a
// full reference ("registry.local/app:1.0"), and "" for a bare tag.
func nameFromRefName(ref string) string {
	if !strings.ContainsAny(ref, "/:@") {
		return ""
	}
	if _, err := name.ParseReference(ref); err != nil {
		return ""
	}
	return repositoryAsWritten(ref)
}

// repositoryAsWritten strips the tag or digest from a reference and keeps
// the rest as written: "app:1.0" is "app", not Docker Hub's
// "index.docker.io/library/app", which a local file never came from.
func repositoryAsWritten(ref string) string {
	if i := strings.Index(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		ref = ref[:i]
	}
	return ref
}
