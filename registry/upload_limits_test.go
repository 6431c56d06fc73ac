package registry_test

import (
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drydock/drydock/blobstore"
	"github.com/drydock/drydock/registry"
	"github.com/drydock/drydock/store/storetest"
)

// TestUploadLimits: one caller may hold only so many unfinished upload
// sessions and bytes in them; past either it is told 429 and what to do,
// and finishing or cancelling makes room again.
func TestUploadLimits(t *testing.T) {
	t.Parallel()
	srv := newServer(t, storetest.SQLite(t), registry.WithUploadLimits(2, 1000))
	start := func() (int, string) {
		status, hdr, _, _ := do(t, srv, call{"POST", "/v2/team/app/blobs/uploads/", nil, ""})
		return status, hdr.Get("Location")
	}
	s1, loc1 := start()
	s2, loc2 := start()
	if s1 != 202 || s2 != 202 {
		t.Fatalf("two sessions: %d %d, want 202", s1, s2)
	}
	if status, _, code, body := do(t, srv, call{"POST", "/v2/team/app/blobs/uploads/", nil, ""}); status != 429 || code != "TOOMANYREQUESTS" || !strings.Contains(string(body), "at most 2 unfinished uploads") {
		t.Errorf("third session: %d %s %s, want 429 naming the limit", status, code, body)
	}
	chunk := strings.Repeat("a", 600)
	if status, _, _, body := do(t, srv, call{"PATCH", loc1, map[string]string{"Content-Type": "application/octet-stream"}, chunk}); status != 202 {
		t.Fatalf("first 600 bytes: %d %s", status, body)
	}
	if status, _, code, body := do(t, srv, call{"PATCH", loc2, map[string]string{"Content-Type": "application/octet-stream"}, chunk}); status != 429 || !strings.Contains(string(body), "at most 1000 bytes") {
		t.Errorf("600 more bytes past the 1000 held: %d %s %s, want 429", status, code, body)
	}
	if status, _, code, _ := do(t, srv, call{"POST", "/v2/team/app/blobs/uploads/?digest=" + sha(chunk+chunk), nil, chunk + chunk}); status != 429 {
		t.Errorf("a single-request push over the limit: %d %s, want 429", status, code)
	}
	if status, _, _, _ := do(t, srv, call{"DELETE", loc1, nil, ""}); status != 204 {
		t.Fatalf("cancel: %d", status)
	}
	if status, _ := start(); status != 202 {
		t.Errorf("after a cancel: %d, want a new session", status)
	}
}

// TestStorageFull: a chunk that does not fit on the disk is answered 507
// with a message saying so (not 500 UNKNOWN), and the partial upload is
// removed at once. The disk is a real 256 KiB tmpfs, so this needs root
// (as CI has); elsewhere it is skipped.
func TestStorageFull(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "small")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() != 0 {
		t.Skip("mounting a small tmpfs needs root")
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", dir).Run() })
	blobs, err := blobstore.NewFilesystem(dir)
	if err != nil {
		t.Fatal(err)
	}
	rg, err := registry.New(storetest.SQLite(t), blobs, registry.WithAnonymousAccess(), registry.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rg)
	t.Cleanup(func() { srv.Close(); rg.Close() })

	_, hdr, _, _ := do(t, srv, call{"POST", "/v2/team/app/blobs/uploads/", nil, ""})
	loc := hdr.Get("Location")
	status, _, code, body := do(t, srv, call{"PATCH", loc, map[string]string{"Content-Type": "application/octet-stream"}, strings.Repeat("x", 1<<20)})
	if status != 507 || code != "BLOB_UPLOAD_INVALID" || !strings.Contains(string(body), "storage is full") {
		t.Errorf("a chunk larger than the disk: %d %s %s, want 507 saying the storage is full", status, code, body)
	}
	if status, _, code, _ := do(t, srv, call{"GET", loc, nil, ""}); status != 404 || code != "BLOB_UPLOAD_UNKNOWN" {
		t.Errorf("the failed upload's session: %d %s, want it gone", status, code)
	}
	var left int64
	_ = filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			left += fi.Size()
		}
		return nil
	})
	if left != 0 {
		t.Errorf("%d bytes of the partial upload are left on the disk", left)
	}
	// With the space back, a small blob goes in.
	small := "small blob"
	if status, _, _, body := do(t, srv, call{"POST", "/v2/team/app/blobs/uploads/?digest=" + sha(small), nil, small}); status != 201 {
		t.Errorf("a small blob after the failure: %d %s", status, body)
	}
}
