package server_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drydock/drydock/server"
)

func TestLoadFileRefusesUnknownKeys(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, yaml string
		want       []string // substrings of the error; nil means no error
	}{
		{"known keys", "addr: 127.0.0.1:6000\nreadOnly: true\ndata: /srv/d\n", nil},
		{"empty file", "", nil},
		{"misspelt readOnly", "addr: :5000\nreadonly: true\n", []string{"drydock.yaml:2", `unknown key "readonly"`, "readOnly", "database"}},
		{"misspelt database", "databse: postgres://x\n", []string{"drydock.yaml:1", `unknown key "databse"`}},
		{"admin password is not a file key", "AdminPassword: x\n", []string{`unknown key "AdminPassword"`}},
		{"not a mapping", "- addr\n", []string{"want a mapping"}},
		{"wrong type", "readOnly: [1]\n", []string{"drydock.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "drydock.yaml")
			if err := os.WriteFile(path, []byte(tt.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			var c server.Config
			err := c.LoadFile(path)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("LoadFile = %v, want nil", err)
				}
				return
			}
			var ce *server.ConfigError
			if !errors.As(err, &ce) || !ce.InvalidInput() {
				t.Fatalf("LoadFile = %v, want a *ConfigError", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("LoadFile error %q lacks %q", err, w)
				}
			}
		})
	}
	var c server.Config
	path := filepath.Join(t.TempDir(), "drydock.yaml")
	os.WriteFile(path, []byte("addr: 127.0.0.1:6000\nreadOnly: true\nsparseManifests: true\n"), 0o600)
	if err := c.LoadFile(path); err != nil || c.Addr != "127.0.0.1:6000" || !c.ReadOnly || !c.SparseManifests {
		t.Errorf("LoadFile = %v, config %+v; want the three keys read", err, c)
	}
}

// TestDBUpdateConfig: the scheduled database update's settings come from
// the file and DRYDOCK_DB_UPDATE_EVERY, and a bad one stops start-up
// naming the setting.
func TestDBUpdateConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "drydock.yaml")
	os.WriteFile(path, []byte("dbUpdateEvery: 6h\ndbUpdateURL: https://mirror.local/osv\ndbUpdateEcosystems: [Debian, Go]\n"), 0o600)
	var c server.Config
	if err := c.LoadFile(path); err != nil {
		t.Fatal(err)
	}
	if err := c.Defaults(); err != nil || c.DBUpdateEvery.String() != "6h0m0s" || c.DBUpdateURL != "https://mirror.local/osv" || strings.Join(c.DBUpdateEcosystems, ",") != "Debian,Go" {
		t.Fatalf("config = %+v, %v; want the three db update keys", c, err)
	}
	t.Setenv("DRYDOCK_DB_UPDATE_EVERY", "30m")
	if err := c.LoadEnv(); err != nil || c.DBUpdateEvery.String() != "30m0s" {
		t.Fatalf("DRYDOCK_DB_UPDATE_EVERY=30m: %v, %s", err, c.DBUpdateEvery)
	}
	t.Setenv("DRYDOCK_DB_UPDATE_EVERY", "daily")
	if err := c.LoadEnv(); err == nil || !strings.Contains(err.Error(), "DRYDOCK_DB_UPDATE_EVERY") {
		t.Fatalf("DRYDOCK_DB_UPDATE_EVERY=daily: %v, want an error naming it", err)
	}
	for _, bad := range []struct {
		c    server.Config
		want string
	}{
		{server.Config{DBUpdateEvery: 1}, "dbUpdateEvery"},
		{server.Config{DBUpdateURL: "ftp://x"}, "dbUpdateURL"},
		{server.Config{DBUpdateEcosystems: []string{"debain"}}, `unknown ecosystem "debain"`},
	} {
		err := bad.c.Defaults()
		var ce *server.ConfigError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("Defaults(%+v) = %v, want a *ConfigError naming %s", bad.c, err, bad.want)
		}
	}
}
