package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drydock/drydock/server"
	"github.com/drydock/drydock/store/storetest"
)

// servedData creates drydock data the way drydock serve does (store,
// blobs, first administrator) and returns its directory.
func servedData(t *testing.T, cfg server.Config) server.Config {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = filepath.Join(t.TempDir(), "data")
	}
	cfg.AdminPassword = "a long admin password"
	srv, err := server.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
	return cfg
}

// TestManagementVerbsNeverCreateData: a wrong or missing --data, or an
// empty database, is refused with what to do, exit 2, and nothing is
// created.
func TestManagementVerbsNeverCreateData(t *testing.T) {
	verbs := [][]string{
		{"namespace", "list"}, {"namespace", "create", "team"}, {"user", "list"}, {"user", "add", "alice"},
		{"member", "list", "team"}, {"robot", "list"}, {"audit-log"},
		{"gc"}, {"gc", "--delete"},
	}
	missing := filepath.Join(t.TempDir(), "nonexistent")
	emptyPG := storetest.PostgresDSN(t)
	for _, verb := range verbs {
		for _, where := range [][]string{{"--data", missing}, {"--database", emptyPG}} {
			args := append(append([]string{}, verb...), where...)
			_, errOut, code := runAccounts(t, "", args...)
			if code != exitUsage || !strings.Contains(errOut, "no drydock data at ") || !strings.Contains(errOut, "start drydock serve first") {
				t.Errorf("drydock %s: exit %d, stderr %q; want 2 and \"no drydock data at …\"", strings.Join(args, " "), code, errOut)
			}
		}
		if _, err := os.Stat(missing); !os.IsNotExist(err) {
			t.Fatalf("drydock %s created %s (stat: %v)", strings.Join(verb, " "), missing, err)
		}
	}
	// The same through the environment.
	t.Setenv("DRYDOCK_DATA", missing)
	if _, errOut, code := runAccounts(t, "", "user", "list"); code != exitUsage || !strings.Contains(errOut, missing) {
		t.Errorf("DRYDOCK_DATA=%s drydock user list: exit %d, stderr %q; want 2 naming the directory", missing, code, errOut)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("DRYDOCK_DATA=missing drydock user list created it (stat: %v)", err)
	}
}

// TestConfigPrecedence: a config file, then DRYDOCK_*, then flags, for the
// management verbs and gc alike.
func TestConfigPrecedence(t *testing.T) {
	fromFile := servedData(t, server.Config{})
	fromEnv := servedData(t, server.Config{})
	fromFlag := servedData(t, server.Config{})
	for i, cfg := range []server.Config{fromFile, fromEnv, fromFlag} {
		ns := []string{"file", "env", "flag"}[i]
		if _, errOut, code := runAccounts(t, "", "namespace", "create", ns, "--data", cfg.DataDir); code != 0 {
			t.Fatalf("namespace create: %s", errOut)
		}
	}
	conf := filepath.Join(t.TempDir(), "drydock.yaml")
	if err := os.WriteFile(conf, []byte("data: "+fromFile.DataDir+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir()) // no ./drydock-data to fall back on
	check := func(what string, want string, args ...string) {
		t.Helper()
		out, errOut, code := runAccounts(t, "", args...)
		if code != 0 || !strings.Contains(out, want+" ") {
			t.Errorf("%s: drydock %s: exit %d, stdout %q, stderr %q; want namespace %q", what, strings.Join(args, " "), code, out, errOut, want)
		}
	}
	check("file alone", "file", "namespace", "list", "--config", conf)
	t.Setenv("DRYDOCK_DATA", fromEnv.DataDir)
	check("env over file", "env", "namespace", "list", "--config", conf)
	check("flag over env and file", "flag", "namespace", "list", "--config", conf, "--data", fromFlag.DataDir)
	if _, err := os.Stat("drydock-data"); !os.IsNotExist(err) {
		t.Errorf("a verb created ./drydock-data (stat: %v)", err)
	}
}

// TestGCUsesServeConfiguration: DRYDOCK_DATA=x drydock gc --delete sweeps
// x, not ./drydock-data; --blobs and --config are read too.
func TestGCUsesServeConfiguration(t *testing.T) {
	cfg := servedData(t, server.Config{})
	blobs := filepath.Join(cfg.DataDir, "blobs")
	stray := strayBlob(t, blobs)
	t.Chdir(t.TempDir())
	t.Setenv("DRYDOCK_DATA", cfg.DataDir)
	out, errOut, code := runAccounts(t, "", "gc", "--delete", "--grace", "0")
	if code != 0 || !strings.Contains(out, "1 stray files") {
		t.Fatalf("DRYDOCK_DATA=x drydock gc --delete: exit %d\nstdout: %s\nstderr: %s\nwant 1 stray file removed", code, out, errOut)
	}
	if _, err := os.Stat(stray); !os.IsNotExist(err) {
		t.Errorf("the stray blob in x is still there (stat: %v)", err)
	}
	if _, err := os.Stat("drydock-data"); !os.IsNotExist(err) {
		t.Errorf("gc created ./drydock-data (stat: %v)", err)
	}

	// --blobs elsewhere: a directory gc must not invent.
	t.Setenv("DRYDOCK_DATA", "")
	moved := filepath.Join(t.TempDir(), "blobs")
	if err := os.Rename(blobs, moved); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := runAccounts(t, "", "gc", "--data", cfg.DataDir); code != exitUsage || !strings.Contains(errOut, blobs) {
		t.Errorf("gc without its blob directory: exit %d, stderr %q; want 2 naming %s", code, errOut, blobs)
	}
	stray = strayBlob(t, moved)
	conf := filepath.Join(t.TempDir(), "drydock.yaml")
	os.WriteFile(conf, []byte("data: "+cfg.DataDir+"\nblobs: "+moved+"\n"), 0o600)
	if out, errOut, code := runAccounts(t, "", "gc", "--config", conf, "--grace", "0"); code != 0 || !strings.Contains(out, "would remove") || !strings.Contains(out, "1 stray files") {
		t.Errorf("gc --config with blobs: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	if _, err := os.Stat(stray); err != nil {
		t.Errorf("a dry run removed the stray blob: %v", err)
	}
}

// strayBlob writes a blob file that no database row knows, as a crash
// between storing the bytes and recording them leaves, and returns its path.
func strayBlob(t *testing.T, blobDir string) string {
	t.Helper()
	content := []byte("stray " + t.Name())
	hex := fmt.Sprintf("%x", sha256.Sum256(content))
	dir := filepath.Join(blobDir, "blobs", "sha256", hex[:2], hex)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "data")
	if err := os.WriteFile(p, content, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
