package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeFailsBeforeCreatingAccounts: every input or environment error
// exits 2, before an administrator is created or its password printed.
func TestServeFailsBeforeCreatingAccounts(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	dir := t.TempDir()
	conf := filepath.Join(dir, "drydock.yaml")
	os.WriteFile(conf, []byte("addr: 127.0.0.1:0\nreadonly: true\n"), 0o600)
	notPEM := filepath.Join(dir, "cert.pem")
	os.WriteFile(notPEM, []byte("not a certificate"), 0o600)
	tests := []struct {
		name string
		args []string
		want string // in the error
	}{
		{"port in use", []string{"--addr", busy.Addr().String()}, "listen on " + busy.Addr().String()},
		{"bad address", []string{"--addr", "nowhere"}, "address nowhere"},
		{"missing TLS file", []string{"--addr", "127.0.0.1:0", "--tls-cert", filepath.Join(dir, "none.pem"), "--tls-key", filepath.Join(dir, "none.key")}, "none.pem"},
		{"TLS file that is not PEM", []string{"--addr", "127.0.0.1:0", "--tls-cert", notPEM, "--tls-key", notPEM}, "TLS certificate"},
		{"TLS cert without key", []string{"--addr", "127.0.0.1:0", "--tls-cert", notPEM}, "needs both"},
		{"bad DSN", []string{"--addr", "127.0.0.1:0", "--database", "mysql://root@db/x"}, "bad data source name"},
		{"missing database directory", []string{"--addr", "127.0.0.1:0", "--database", filepath.Join(dir, "no", "such", "dir", "d.db")}, "store: open"},
		{"missing PostgreSQL database", []string{"--addr", "127.0.0.1:0", "--database", "postgres://postgres@127.0.0.1:5432/drydock_no_such_db?sslmode=disable"}, "drydock_no_such_db"},
		{"unknown config key", []string{"--config", conf}, `unknown key "readonly"`},
	}
	for _, tt := range tests {
		data := filepath.Join(t.TempDir(), "data")
		args := append([]string{"serve", "--data", data}, tt.args...)
		out, errOut, code := runAccounts(t, "", args...)
		if code != exitUsage || !strings.Contains(errOut, tt.want) {
			t.Errorf("%s: drydock %s: exit %d, stderr %q; want 2 and %q", tt.name, strings.Join(args, " "), code, errOut, tt.want)
		}
		if strings.Contains(out+errOut, "password") || strings.Contains(out+errOut, "administrator") {
			t.Errorf("%s: serve created an administrator before failing:\n%s%s", tt.name, out, errOut)
		}
		if !strings.Contains(tt.name, "database") && !strings.Contains(tt.name, "DSN") {
			if _, err := os.Stat(data); !os.IsNotExist(err) {
				t.Errorf("%s: serve created the data directory before failing (stat: %v)", tt.name, err)
			}
		}
	}
}
