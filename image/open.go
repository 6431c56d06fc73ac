package image

import (
	"context"
	"errors"
)

// Open opens the image ref names. The transport is a prefix:
//
//	docker-archive:FILE[:TAG]  what `docker save` and `skopeo copy … docker-archive:` write;
//	                           TAG picks one of several images (RepoTags)
//	oci:DIR[:TAG]              an OCI image layout; TAG matches the
//	                           org.opencontainers.image.ref.name annotation
//	oci-archive:FILE[:TAG]     a tar of an OCI image layout; TAG as for oci:
//	dir:PATH                   an unpacked root filesystem, as one layer
//	REFERENCE                  a registry (the default; "docker://" is accepted)
//
// A reference without a transport that names an existing file or folder is
// opened as what Detect finds there; one that looks like a path (./x, /x,
// x.tar) but names nothing is an error, never a Docker Hub reference.
//
// From an index, the image for WithPlatform is taken (default linux/<host
// arch>), and Digest is that image's manifest digest. A docker-archive
// written by docker before version 25 holds no manifest: its Digest is ""
// and each plain tar layer's Digest is its DiffID. A dir: image has no
// Digest, ConfigDigest or Platform and its one layer has DiffID "", so that
// nothing caches it by digest: the tree can change between two walks.
//
// For a registry reference the network is used while opening and later
// while walking, with the ctx given here (go-containerregistry binds it to
// the image); the ctx given to Walk stops the walk between entries.
//
// Bad references, unknown transports, missing files and malformed images
// are *ImageError (exit code 2).
func Open(ctx context.Context, ref string, opts ...Option) (Image, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	o, err := makeOptions(opts)
	if err != nil {
		return nil, &ImageError{Image: ref, Err: err}
	}
	p, err := parseRef(ref)
	if err != nil {
		return nil, &ImageError{Image: ref, Err: err}
	}
	var img Image
	switch p.transport {
	case transportArchive:
		img, err = openArchive(ref, p.path, o)
	case transportLayout:
		img, err = openLayout(ref, p.path, p.tag, o)
	case transportDir:
		img, err = openDir(ref, p.path, o)
	case transportOCIArchive:
		img, err = openOCIArchive(ref, p.path, p.tag, o)
	default:
		img, err = openRemote(ctx, ref, p.ref, o)
	}
	if err != nil {
		// Wrap what the transports did not classify; keep what they did.
		var ie *ImageError
		if !errors.As(err, &ie) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
			err = &internalError{ref: ref, err: err}
		}
		return nil, err
	}
	return img, nil
}

// internalError is a failure that is not the input's fault (a network
// outage, a registry's 500); it names the image but leaves the exit code
// to the caller's default.
type internalError struct {
	ref string
	err error
}

func (e *internalError) Error() string { return "image " + e.ref + ": " + e.err.Error() }
func (e *internalError) Unwrap() error { return e.err }
