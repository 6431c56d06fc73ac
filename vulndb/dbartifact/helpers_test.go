package dbartifact_test

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/klauspost/compress/zstd"

	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/server"
	"github.com/drydock/drydock/vulndb"
	"github.com/drydock/drydock/vulndb/dbartifact"
)

const adminPW = "dbartifact admin password"

// startRegistry runs drydock's own server in process with authentication
// on and returns its host:port.
func startRegistry(t testing.TB) string {
	t.Helper()
	srv, err := server.New(t.Context(), server.Config{DataDir: t.TempDir(), AdminPassword: adminPW},
		slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard)
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { hs.Close(); srv.Close() })
	return strings.TrimPrefix(hs.URL, "http://")
}

// asAdmin are the options of a push or pull with the admin's credentials.
var asAdmin = []dbartifact.Option{dbartifact.WithBasicAuth(auth.AdminUser, adminPW), dbartifact.WithInsecure()}

var adminAuth = remote.WithAuth(&authn.Basic{Username: auth.AdminUser, Password: adminPW})

// fixtures are real advisories' facts from vulndb's test data.
var fixtures = []string{"Go/GO-2023-2102.json", "Debian/DEBIAN-CVE-2023-38545.json"}

// buildDB writes a database of the fixtures whose sources were imported at
// the given time.
func buildDB(t testing.TB, path string, at time.Time) {
	t.Helper()
	var advs []*vulndb.Advisory
	for _, f := range fixtures {
		raw, err := os.ReadFile(filepath.Join("..", "testdata", "osv", f))
		if err != nil {
			t.Fatal(err)
		}
		a := new(vulndb.Advisory)
		if err := json.Unmarshal(raw, a); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		advs = append(advs, a)
	}
	if err := vulndb.Build(t.Context(), path, advs, vulndb.WithClock(func() time.Time { return at })); err != nil {
		t.Fatalf("vulndb.Build: %v", err)
	}
}

// setSchemaVersion rewrites the file's schema version, as a newer drydock
// would have written it.
func setSchemaVersion(t *testing.T, path string, v int) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(fmt.Sprintf("PRAGMA user_version = %d", v)); err != nil {
		t.Fatal(err)
	}
}

func zstdBytes(t *testing.T, data []byte) []byte {
	t.Helper()
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	return enc.EncodeAll(data, nil)
}

// rawManifest lets remote.Put send a hand-made manifest.
type rawManifest []byte

func (m rawManifest) RawManifest() ([]byte, error)        { return m, nil }
func (m rawManifest) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }

// pushArtifact pushes a hand-made artifact of one layer: the hostile or
// mistaken inputs Pull must refuse.
func pushArtifact(t *testing.T, ref, artifactType, layerType string, layer []byte) {
	t.Helper()
	tag, err := name.NewTag(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	cfg := static.NewLayer([]byte("{}"), types.OCIEmptyJSON)
	l := static.NewLayer(layer, types.MediaType(layerType))
	for _, b := range []v1.Layer{cfg, l} {
		if err := remote.WriteLayer(tag.Context(), b, adminAuth); err != nil {
			t.Fatalf("push blob: %v", err)
		}
	}
	cd, _ := cfg.Digest()
	ld, _ := l.Digest()
	m := v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1, ArtifactType: artifactType,
		Config: v1.Descriptor{MediaType: types.OCIEmptyJSON, Size: 2, Digest: cd},
		Layers: []v1.Descriptor{{MediaType: types.MediaType(layerType), Size: int64(len(layer)), Digest: ld}}}
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Put(tag, rawManifest(raw), adminAuth); err != nil {
		t.Fatalf("push manifest %s: %v", ref, err)
	}
}

// leftovers lists the temporary files a push or pull left in dir.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, ".*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}
