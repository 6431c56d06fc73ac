package main

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/crane"
	"github.com/google/go-containerregistry/pkg/v1/random"

	"github.com/drydock/drydock/server"
)

// TestGCRightAfterDeletes: an image pushed and deleted a moment ago is kept
// by the default grace period and gc says so and why; --grace 0 means 0.
func TestGCRightAfterDeletes(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	srv, err := server.New(context.Background(), server.Config{DataDir: data, Anonymous: true},
		slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	img, err := random.Image(512, 2)
	if err != nil {
		t.Fatal(err)
	}
	ref := strings.TrimPrefix(hs.URL, "http://") + "/team/app:old"
	if err := crane.Push(img, ref, crane.Insecure); err != nil {
		t.Fatal(err)
	}
	digest, _ := img.Digest()
	if err := crane.Delete(strings.TrimSuffix(ref, ":old")+"@"+digest.String(), crane.Insecure); err != nil {
		t.Fatal(err)
	}
	hs.Close()
	srv.Close()

	out, errOut, code := runAccounts(t, "", "gc", "--data", data)
	if code != 0 {
		t.Fatalf("gc: exit %d, %s", code, errOut)
	}
	for _, want := range []string{"would remove 0 links", "kept 3 links", "younger than the grace period (1h0m0s)", "--grace 0"} {
		if !strings.Contains(out, want) {
			t.Errorf("gc right after a delete does not say %q:\n%s", want, out)
		}
	}
	out, errOut, code = runAccounts(t, "", "gc", "--data", data, "--grace", "0", "--delete")
	if code != 0 || !strings.Contains(out, "removed 3 links, 3 blobs") || strings.Contains(out, "kept") {
		t.Errorf("gc --grace 0 --delete: exit %d\nstdout: %s\nstderr: %s\nwant 3 links and 3 blobs removed, nothing kept", code, out, errOut)
	}
	if _, errOut, code := runAccounts(t, "", "gc", "--data", data, "--grace", "-1s"); code != exitUsage {
		t.Errorf("gc --grace -1s: exit %d (%s), want 2", code, errOut)
	}
}

// TestGCDeleteRefusedWhileServing: the environment is in the way (exit 2),
// and gc says what to do.
func TestGCDeleteRefusedWhileServing(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	srv, err := server.New(context.Background(), server.Config{DataDir: data, Anonymous: true},
		slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	_, errOut, code := runAccounts(t, "", "gc", "--delete", "--data", data)
	if code != exitUsage || !strings.Contains(errOut, "--read-only") {
		t.Errorf("gc --delete beside a read-write server: exit %d, stderr %q; want 2 saying to stop it or use --read-only", code, errOut)
	}
	if _, errOut, code := runAccounts(t, "", "gc", "--data", data); code != 0 {
		t.Errorf("a dry run beside a server: exit %d (%s), want 0", code, errOut)
	}
}
