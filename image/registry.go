package image

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Environment variables that give registry credentials when no User is
// set, for CI jobs that keep secrets in the environment.
const (
	EnvUsername = "DRYDOCK_USERNAME"
	EnvPassword = "DRYDOCK_PASSWORD"
)

// RegistryAccess is how drydock reaches a registry as a client: which
// credentials, whether plain HTTP and unverified TLS are allowed, and which
// transport carries the requests. Opening images and moving the
// vulnerability database as an artifact use the same one, so a flag means
// the same thing for every verb.
type RegistryAccess struct {
	// User and Password log in with HTTP Basic (the token flow follows);
	// with no User, credentials come from $DRYDOCK_USERNAME and
	// $DRYDOCK_PASSWORD, else from the Docker config and its helpers, and
	// the caller is anonymous where there are none.
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

// credentials returns the explicit or environment credentials, if any.
func (a RegistryAccess) credentials() (user, password string, ok bool) {
	if a.User != "" {
		return a.User, a.Password, true
	}
	if u := os.Getenv(EnvUsername); u != "" {
		return u, os.Getenv(EnvPassword), true
	}
	return "", "", false
}

// RemoteOptions are go-containerregistry's options for these settings.
func (a RegistryAccess) RemoteOptions(ctx context.Context) []remote.Option {
	ropts := []remote.Option{remote.WithContext(ctx)}
	if user, pass, ok := a.credentials(); ok {
		ropts = append(ropts, remote.WithAuth(&authn.Basic{Username: user, Password: pass}))
	} else {
		ropts = append(ropts, remote.WithAuthFromKeychain(authn.DefaultKeychain))
	}
	return append(ropts, remote.WithTransport(a.RoundTripper()))
}

// RoundTripper is the transport requests go through.
func (a RegistryAccess) RoundTripper() http.RoundTripper {
	switch {
	case a.Transport != nil:
		return a.Transport
	case a.Insecure:
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the user asked for an insecure registry
		return t
	}
	return http.DefaultTransport
}

// identity names who the access logs in to reg as: the user name, or ""
// when it is anonymous (no flag, no environment, nothing in the Docker
// config for reg).
func (a RegistryAccess) identity(reg name.Registry) string {
	if user, _, ok := a.credentials(); ok {
		return user
	}
	auth, err := authn.DefaultKeychain.Resolve(reg)
	if err != nil || auth == authn.Anonymous {
		return ""
	}
	cfg, err := auth.Authorization()
	if err != nil {
		return ""
	}
	switch {
	case cfg.Username != "":
		return cfg.Username
	case cfg.IdentityToken != "" || cfg.RegistryToken != "" || cfg.Auth != "":
		return "the Docker config's identity"
	}
	return ""
}

// ErrNoCredentials is wrapped by Explain's error when a registry refused a
// caller that gave no credentials at all.
var ErrNoCredentials = errors.New("no registry credentials")

// Explain says what a registry's refusal (401 or 403) of repo means for
// this access: with no credentials at all, how to give some; with
// credentials the registry refused at login, that they are wrong; with
// credentials it accepted, that this user lacks the rights. Other errors
// are returned as they are.
func (a RegistryAccess) Explain(repo name.Repository, err error) error {
	var te *transport.Error
	if !errors.As(err, &te) || (te.StatusCode != http.StatusUnauthorized && te.StatusCode != http.StatusForbidden) {
		return err
	}
	reg := repo.Registry
	who := a.identity(reg)
	switch {
	case who == "":
		return fmt.Errorf("%w for %s: run `drydock login %s`, or give --username and --password (or %s and %s): %w",
			ErrNoCredentials, reg.Name(), reg.Name(), EnvUsername, EnvPassword, err)
	case te.StatusCode == http.StatusUnauthorized && te.Request != nil && (!strings.HasPrefix(te.Request.URL.Path, "/v2/") ||
		strings.HasPrefix(te.Request.Header.Get("Authorization"), "Basic ")):
		// The token endpoint said no, or a registry taking Basic
		// credentials on /v2/ itself did: the login failed.
		return fmt.Errorf("%s refused the credentials of %s: %w", reg.Name(), who, err)
	}
	return fmt.Errorf("%s has no access to %s (the credentials were accepted; the rights are missing): %w", who, repo.RepositoryStr(), err)
}
