package server_test

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/server"
	"github.com/drydock/drydock/store/storetest"
)

const adminPW = "admin password for tests"

func start(t *testing.T, cfg server.Config) (*server.Server, *httptest.Server) {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := server.New(t.Context(), cfg, logger, io.Discard)
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { hs.Close(); srv.Close() })
	return srv, hs
}

// databases are the stores a whole-server test runs on: a SQLite file in
// dir, and a schema of its own in PostgreSQL.
var databases = map[string]func(t *testing.T, dir string) string{
	"sqlite":   func(t *testing.T, dir string) string { return "sqlite:" + filepath.Join(dir, "d.db") },
	"postgres": func(t *testing.T, dir string) string { return storetest.PostgresDSN(t) },
}

// TestAuthenticatedRegistry runs the whole assembly — store, auth, /token,
// registry, audit log — with real clients, on SQLite and PostgreSQL.
func TestAuthenticatedRegistry(t *testing.T) {
	t.Parallel()
	for dbName, dsn := range databases {
		t.Run(dbName, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			dir := t.TempDir()
			srv, hs := start(t, server.Config{DataDir: dir, Database: dsn(t, dir), AdminPassword: adminPW})
			if err := srv.Auth().AddUser(ctx, auth.Local("test"), "bob", "bob's long password", false); err != nil {
				t.Fatal(err)
			}
			host := strings.TrimPrefix(hs.URL, "http://")
			ref, _ := name.NewTag(host+"/team/app:v1", name.Insecure)
			img, _ := random.Image(1024, 2)

			admin := remote.WithAuth(&authn.Basic{Username: auth.AdminUser, Password: adminPW})
			if err := remote.Write(ref, img, admin); err != nil {
				t.Fatalf("admin push: %v", err)
			}
			if _, err := remote.Image(ref, admin); err != nil {
				t.Fatalf("admin pull: %v", err)
			}
			tests := []struct {
				who    string
				opt    remote.Option
				status int
			}{
				{"anonymous", remote.WithAuth(authn.Anonymous), http.StatusUnauthorized},
				{"bob without rights", remote.WithAuth(&authn.Basic{Username: "bob", Password: "bob's long password"}), http.StatusForbidden},
				{"wrong password", remote.WithAuth(&authn.Basic{Username: "bob", Password: "nope nope nope"}), http.StatusUnauthorized},
			}
			for _, tt := range tests {
				_, err := remote.Image(ref, tt.opt)
				var terr *transport.Error
				if !errors.As(err, &terr) || terr.StatusCode != tt.status {
					t.Errorf("%s pull = %v, want HTTP %d", tt.who, err, tt.status)
				}
			}

			// The catalog lists only what the caller may pull.
			reg, _ := name.NewRegistry(host, name.Insecure)
			for who, want := range map[string]string{auth.AdminUser: "team/app", "bob": ""} {
				pw := adminPW
				if who == "bob" {
					pw = "bob's long password"
				}
				repos, err := remote.Catalog(ctx, reg, remote.WithAuth(&authn.Basic{Username: who, Password: pw}))
				if err != nil || strings.Join(repos, ",") != want {
					t.Errorf("catalog for %s = %v, %v; want [%s]", who, repos, err, want)
				}
			}

			// The push and bob's refusal are in the audit log; the registry
			// records asynchronously, so allow it a moment.
			want := map[string]auditlog.Filter{
				"push by admin":  {Actor: auth.AdminUser, Action: "push", Outcome: auditlog.OutcomeAllowed},
				"denial for bob": {Actor: "bob", Outcome: auditlog.OutcomeDenied},
			}
			for what, f := range want {
				f.Limit = 10
				var got []auditlog.Event
				for i := 0; i < 50 && len(got) == 0; i++ {
					var err error
					if got, err = srv.Store().QueryAuditEvents(ctx, f); err != nil {
						t.Fatal(err)
					}
					time.Sleep(20 * time.Millisecond)
				}
				if len(got) == 0 {
					t.Errorf("audit log has no %s (filter %+v)", what, f)
				}
			}

			for path, wantBody := range map[string]string{"/healthz": "ok", "/readyz": "ok", "/metrics": "drydock_registry_requests_total"} {
				resp, err := http.Get(hs.URL + path)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || !strings.Contains(string(b), wantBody) {
					t.Errorf("GET %s = %d, body without %q", path, resp.StatusCode, wantBody)
				}
			}
		})
	}
}

func TestConfig(t *testing.T) {
	tests := []struct {
		name     string
		cfg      server.Config
		wantErr  bool
		loopback bool
	}{
		{"defaults", server.Config{}, false, true},
		{"bad address", server.Config{Addr: "nonsense"}, true, false},
		{"cert without key", server.Config{TLSCert: "c.pem"}, true, true},
		{"all interfaces", server.Config{Addr: ":5000"}, false, false},
		{"localhost", server.Config{Addr: "localhost:5000"}, false, true},
	}
	for _, tt := range tests {
		err := tt.cfg.Defaults()
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: Defaults() = %v, want error %v", tt.name, err, tt.wantErr)
		}
		if err == nil && tt.cfg.Loopback() != tt.loopback {
			t.Errorf("%s: Loopback() = %v, want %v", tt.name, tt.cfg.Loopback(), tt.loopback)
		}
	}
	file := filepath.Join(t.TempDir(), "drydock.yaml")
	os.WriteFile(file, []byte("addr: 127.0.0.1:6000\ndata: /srv/drydock\nreadOnly: true\n"), 0o600)
	var fromFile server.Config
	if err := fromFile.LoadFile(file); err != nil || fromFile.Addr != "127.0.0.1:6000" || fromFile.DataDir != "/srv/drydock" || !fromFile.ReadOnly {
		t.Errorf("LoadFile = %+v, %v", fromFile, err)
	}
	os.WriteFile(file, []byte("addr: [unclosed\n"), 0o600)
	if err := fromFile.LoadFile(file); err == nil || !strings.Contains(err.Error(), file) {
		t.Errorf("LoadFile of bad YAML = %v, want an error naming the file", err)
	}
	var c server.Config
	if err := c.Defaults(); err != nil || c.Database != "sqlite:"+filepath.Join("drydock-data", "drydock.db") || c.BlobDir != filepath.Join("drydock-data", "blobs") {
		t.Errorf("defaults = %+v, %v", c, err)
	}
	t.Setenv("DRYDOCK_READ_ONLY", "maybe")
	if err := c.LoadEnv(); err == nil {
		t.Errorf("LoadEnv with DRYDOCK_READ_ONLY=maybe = nil, want an error naming it")
	}
}
