package image

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// openRemote opens an image from a registry. go-containerregistry checks
// every blob it fetches against its digest (at EOF), so the walk does not
// hash compressed blobs a second time.
func openRemote(ctx context.Context, source, refStr string, o *options) (Image, error) {
	ref, err := name.ParseReference(refStr, o.access.NameOptions()...)
	if err != nil {
		return nil, imageErr(source, "not a file, a folder nor a valid registry reference (%w); drydock reads %s", err, Prefixes)
	}
	ropts := append(o.access.RemoteOptions(ctx), remote.WithPlatform(o.platform))
	desc, err := remote.Get(ref, ropts...)
	if err != nil {
		return nil, remoteErr(source, o.access.Explain(ref.Context(), err))
	}
	meta := v1Meta{name: ref.Context().Name()}
	ro := *o
	ro.blobsVerified = true
	switch {
	case desc.MediaType.IsIndex():
		idx, err := desc.ImageIndex()
		if err != nil {
			return nil, remoteErr(source, err)
		}
		img, h, err := pickPlatform(idx, o.platform)
		if err != nil {
			return nil, remoteErr(source, err)
		}
		meta.digest = h.String()
		return fromV1(img, source, meta, ro.pickedFromIndex())
	case desc.MediaType.IsImage():
		img, err := desc.Image()
		if err != nil {
			return nil, remoteErr(source, err)
		}
		meta.digest = desc.Digest.String()
		return fromV1(img, source, meta, &ro)
	default:
		return nil, imageErr(source, "manifest type %q is not an image or an index", desc.MediaType)
	}
}

// remoteErr classifies a registry error: what the user can fix (no such
// image, no access, a platform that is not there) is bad input; a network
// failure or a server error is not.
func remoteErr(source string, err error) error {
	var te *transport.Error
	if errors.As(err, &te) {
		switch te.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
			return &ImageError{Image: source, Err: err}
		}
		return fmt.Errorf("registry: %w", err)
	}
	var ue interface{ Timeout() bool }
	if errors.As(err, &ue) || errors.Is(err, context.Canceled) {
		return err
	}
	// Not a transport failure: the data was wrong (a bad index, a missing
	// platform, a digest that does not match).
	return &ImageError{Image: source, Err: err}
}
