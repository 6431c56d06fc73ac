package image

import (
	"context"
	"crypto/tls"
	"net/http"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// RegistryAccess is how drydock reaches a registry as a client: which
// credentials, whether plain HTTP and unverified TLS are allowed, and which
// transport carries the requests. Opening images and moving the
// vulnerability database as an artifact use the same one, so a flag means
// the same thing for every verb.
type RegistryAccess struct {
	// User and Password log in with HTTP Basic (the token flow follows);
	// with no User, credentials come from the Docker config and its helpers,
	// and the caller is anonymous where it has none.
	User, Password string
	// Insecure allows plain HTTP and unverified TLS.
	Insecure bool
	// Transport carries the requests; nil means http.DefaultTransport (or a
	// TLS-lenient clone of it when Insecure).
	Transport http.RoundTripper
}

// NameOptions are the reference-parsing options: plain HTTP when Insecure.
func (a RegistryAccess) NameOptions() []name.Option {
	if a.Insecure {
		return []name.Option{name.Insecure}
	}
	return nil
}

// RemoteOptions are go-containerregistry's options for these settings.
func (a RegistryAccess) RemoteOptions(ctx context.Context) []remote.Option {
	ropts := []remote.Option{remote.WithContext(ctx)}
	if a.User != "" {
		ropts = append(ropts, remote.WithAuth(&authn.Basic{Username: a.User, Password: a.Password}))
	} else {
		ropts = append(ropts, remote.WithAuthFromKeychain(authn.DefaultKeychain))
	}
	switch {
	case a.Transport != nil:
		ropts = append(ropts, remote.WithTransport(a.Transport))
	case a.Insecure:
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the user asked for an insecure registry
		ropts = append(ropts, remote.WithTransport(t))
	}
	return ropts
}
