package image

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// openRemote opens an image from a registry. go-containerregistry checks
// every blob it fetches against its digest (at EOF), so the walk does not
// hash compressed blobs a second time.
func openRemote(ctx context.Context, source, refStr string, o *options) (Image, error) {
	var nameOpts []name.Option
	if o.insecure {
		nameOpts = append(nameOpts, name.Insecure)
	}
	ref, err := name.ParseReference(refStr, nameOpts...)
	if err != nil {
		return nil, imageErr(source, "not a valid image reference: %w", err)
	}
	ropts := []remote.Option{remote.WithContext(ctx), remote.WithPlatform(o.platform)}
	if o.basicAuth {
		ropts = append(ropts, remote.WithAuth(&authn.Basic{Username: o.user, Password: o.pass}))
	} else {
		ropts = append(ropts, remote.WithAuthFromKeychain(authn.DefaultKeychain))
	}
	switch {
	case o.transport != nil:
		ropts = append(ropts, remote.WithTransport(o.transport))
	case o.insecure:
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the user asked for WithInsecure
		ropts = append(ropts, remote.WithTransport(t))
	}
	desc, err := remote.Get(ref, ropts...)
	if err != nil {
		return nil, remoteErr(source, err)
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
		return fromV1(img, source, meta, &ro)
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
