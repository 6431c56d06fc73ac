package server_test

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/drydock/drydock/blobstore"
	"github.com/drydock/drydock/server"
	"github.com/drydock/drydock/store"
)

// TestMain doubles as the server process the crash test kills: with
// DRYDOCK_CRASH_CHILD set, the test binary serves instead of testing.
func TestMain(m *testing.M) {
	if dir := os.Getenv("DRYDOCK_CRASH_CHILD"); dir != "" {
		serveChild(dir)
		return
	}
	os.Exit(m.Run())
}

func serveChild(dir string) {
	cfg := server.Config{Addr: "127.0.0.1:0", DataDir: dir, Anonymous: true}
	if db := os.Getenv("DRYDOCK_CRASH_VULNDB"); db != "" { // the scan-queue crash test
		cfg.VulnDB, cfg.JobTimeout = db, 2*time.Second
		if os.Getenv("DRYDOCK_CRASH_NO_WORKERS") != "" {
			cfg.Workers = -1
		}
		cfg.Database = os.Getenv("DRYDOCK_CRASH_DATABASE") // "": SQLite in dir
	}
	srv, err := server.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	err = srv.Serve(context.Background(), io.Discard, func(addr string) {
		os.WriteFile(filepath.Join(dir, "addr.tmp"), []byte(addr), 0o644)
		os.Rename(filepath.Join(dir, "addr.tmp"), filepath.Join(dir, "addr"))
	})
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

func startChild(t *testing.T, dir string, env ...string) (*exec.Cmd, string) {
	t.Helper()
	os.Remove(filepath.Join(dir, "addr"))
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), "DRYDOCK_CRASH_CHILD="+dir), env...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for range 300 {
		if b, err := os.ReadFile(filepath.Join(dir, "addr")); err == nil {
			return cmd, string(b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Kill()
	t.Fatal("child server did not start")
	return nil, ""
}

// TestKillDuringPushes kills -9 a serving process during 50 concurrent
// pushes, restarts it on the same data, and checks that every push that
// was acknowledged is intact and pullable, that no content-addressed file
// holds bytes other than its digest's, and that the store and the blob
// store agree.
func TestKillDuringPushes(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	child, addr := startChild(t, dir)
	ctx, cancel := context.WithCancel(t.Context())
	var mu sync.Mutex
	acked := map[string]string{} // tag → digest
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			img, err := random.Image(256<<10, 2)
			if err != nil {
				return
			}
			tag := fmt.Sprintf("img%d", i)
			ref, _ := name.NewTag(addr+"/crash/app:"+tag, name.Insecure)
			if err := remote.Write(ref, img, remote.WithContext(ctx), remote.WithJobs(2)); err != nil {
				return
			}
			d, _ := img.Digest()
			mu.Lock()
			acked[tag] = d.String()
			mu.Unlock()
		}()
	}
	// Kill once some pushes are acknowledged and others are surely in flight.
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 10 {
			break
		}
	}
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	cancel()
	wg.Wait()
	if len(acked) == 0 || len(acked) == 50 {
		t.Fatalf("%d of 50 pushes acknowledged before the kill; the test needs some before and some after", len(acked))
	}
	t.Logf("%d of 50 pushes acknowledged before kill -9", len(acked))

	child, addr = startChild(t, dir)
	defer func() { child.Process.Kill(); child.Wait() }()
	for tag, want := range acked {
		ref, _ := name.NewTag(addr+"/crash/app:"+tag, name.Insecure)
		if err := pullAll(ref, want); err != nil {
			t.Errorf("acknowledged push %s lost or damaged: %v", tag, err)
		}
	}
	checkConsistent(t, dir)
}

func pullAll(ref name.Reference, want string) error {
	img, err := remote.Image(ref)
	if err != nil {
		return err
	}
	if d, _ := img.Digest(); d.String() != want {
		return fmt.Errorf("digest %s, want %s", d, want)
	}
	layers, err := img.Layers()
	if err != nil {
		return err
	}
	for _, l := range layers {
		rc, err := l.Compressed()
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, rc) // go-containerregistry checks the digest at EOF
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// checkConsistent reads the data directory directly: every file at a
// content-addressed path hashes to its name, and every blob the store
// knows has its bytes.
func checkConsistent(t *testing.T, dir string) {
	t.Helper()
	ctx := t.Context()
	blobs, err := blobstore.NewFilesystem(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	files := 0
	err = blobs.Walk(ctx, func(d blobstore.Digest, size int64, _ time.Time) error {
		files++
		rc, err := blobs.Open(ctx, d, 0)
		if err != nil {
			return err
		}
		defer rc.Close()
		var h hash.Hash = sha256.New()
		if d.Algorithm == "sha512" {
			h = sha512.New()
		}
		io.Copy(h, rc)
		if got := hex.EncodeToString(h.Sum(nil)); got != d.Hex {
			t.Errorf("file at %s holds bytes hashing to %s: a partial blob is in place", d, got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, filepath.Join(dir, "drydock.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rows, err := st.QueryContext(ctx, "SELECT digest, size FROM blobs")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	known := 0
	for rows.Next() {
		var ds string
		var size int64
		if err := rows.Scan(&ds, &size); err != nil {
			t.Fatal(err)
		}
		known++
		d, err := blobstore.ParseDigest(ds)
		if err != nil {
			t.Errorf("store holds a bad digest %q", ds)
			continue
		}
		if got, err := blobs.Stat(ctx, d); err != nil || got != size {
			t.Errorf("store says %s has %d bytes; blob store: %d, %v", ds, size, got, err)
		}
	}
	if files < known {
		t.Errorf("%d files for %d known blobs", files, known)
	}
	// More files than rows is allowed: a kill between the move into place
	// and the record leaves whole, verified bytes that gc removes.
	t.Logf("%d blob files verified, %d store blobs present", files, known)
}
