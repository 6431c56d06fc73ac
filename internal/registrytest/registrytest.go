// Package registrytest runs drydock's own registry server in process for
// tests of the clients around it (signing, the CI gate), with
// authentication on and an admin who may do everything.
package registrytest

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/server"
)

// AdminPassword is the admin's password on every test registry.
const AdminPassword = "registrytest admin password"

// Registry is a running drydock server.
type Registry struct {
	// Host is host:port, plain HTTP on loopback.
	Host string
	// Server is the server, for tests that reach into its store.
	Server *server.Server
	// DataDir holds its database and blobs.
	DataDir string
}

// Start runs a server until the test ends.
func Start(t testing.TB) *Registry {
	t.Helper()
	dir := t.TempDir()
	srv, err := server.New(context.Background(), server.Config{DataDir: dir, AdminPassword: AdminPassword},
		slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard)
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { hs.Close(); srv.Close() })
	return &Registry{Host: strings.TrimPrefix(hs.URL, "http://"), Server: srv, DataDir: dir}
}

// Admin are client options with the admin's credentials.
func (r *Registry) Admin(ctx context.Context) []remote.Option {
	return []remote.Option{remote.WithContext(ctx), remote.WithAuth(&authn.Basic{Username: auth.AdminUser, Password: AdminPassword})}
}

// Ref parses "repo:tag" or "repo@digest" on this registry.
func (r *Registry) Ref(t testing.TB, s string) name.Reference {
	t.Helper()
	ref, err := name.ParseReference(r.Host+"/"+s, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}
