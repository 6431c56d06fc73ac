package vulndb_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/drydock/drydock/vulndb"
)

func TestBadOptions(t *testing.T) {
	tests := []struct {
		name string
		opt  vulndb.Option
	}{
		{"WithMaxAge", vulndb.WithMaxAge(0)},
		{"WithClock", vulndb.WithClock(nil)},
		{"WithBaseURL", vulndb.WithBaseURL("ftp://osv.example/")},
		{"WithBaseURL", vulndb.WithBaseURL("osv-vulnerabilities.storage.googleapis.com")},
		{"WithKEVURL", vulndb.WithKEVURL(":")},
		{"WithEcosystems", vulndb.WithEcosystems()},
		{"WithEcosystems", vulndb.WithEcosystems("Debian", "../etc")},
		{"WithMaxDownload", vulndb.WithMaxDownload(-1)},
		{"WithEPSS", vulndb.WithEPSS(map[string]float64{"CVE-2023-38545": 2})},
		{"WithSourceName", vulndb.WithSourceName(" ")},
	}
	for _, tt := range tests {
		_, err := vulndb.Update(context.Background(), filepath.Join(t.TempDir(), "vuln.db"), tt.opt)
		var oe *vulndb.OptionError
		if !errors.As(err, &oe) || oe.Option != tt.name || !oe.InvalidInput() {
			t.Errorf("%s: err = %v, want an OptionError for %s with exit code 2", tt.name, err, tt.name)
		}
	}
}

func TestDefaults(t *testing.T) {
	t.Setenv("DRYDOCK_DB", "/srv/drydock/vuln.db")
	t.Setenv("DRYDOCK_OSV_URL", "https://mirror.example/osv/")
	if got, want := vulndb.DefaultPath(), "/srv/drydock/vuln.db"; got != want {
		t.Errorf("DefaultPath with DRYDOCK_DB = %q, want %q", got, want)
	}
	if got, want := vulndb.DefaultBaseURL(), "https://mirror.example/osv"; got != want {
		t.Errorf("DefaultBaseURL with DRYDOCK_OSV_URL = %q, want %q", got, want)
	}
	t.Setenv("DRYDOCK_DB", "")
	t.Setenv("DRYDOCK_OSV_URL", "")
	t.Setenv("XDG_CACHE_HOME", "/home/ci/.cache")
	if got, want := vulndb.DefaultPath(), filepath.Join("/home/ci/.cache", "drydock", "vuln.db"); got != want {
		t.Errorf("DefaultPath = %q, want %q", got, want)
	}
	if got, want := vulndb.DefaultBaseURL(), vulndb.PublicOSVURL; got != want {
		t.Errorf("DefaultBaseURL = %q, want %q", got, want)
	}
}
