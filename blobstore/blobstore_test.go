package blobstore_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/drydock/drydock/blobstore"
)

func TestParseDigest(t *testing.T) {
	h64 := strings.Repeat("a", 64)
	tests := []struct {
		in      string
		wantErr error // nil means valid
	}{
		{"sha256:" + h64, nil},
		{"sha512:" + strings.Repeat("0", 128), nil},
		{"sha256:" + strings.Repeat("A", 64), blobstore.ErrDigestInvalid},
		{"sha256:" + h64[:63], blobstore.ErrDigestInvalid},
		{"sha512:" + h64, blobstore.ErrDigestInvalid},
		{"md5:" + h64[:32], blobstore.ErrDigestUnsupported},
		{"SHA256:" + h64, blobstore.ErrDigestInvalid},
		{h64, blobstore.ErrDigestInvalid},
		{"", blobstore.ErrDigestInvalid},
		{"sha256:", blobstore.ErrDigestInvalid},
	}
	for _, tt := range tests {
		d, err := blobstore.ParseDigest(tt.in)
		if tt.wantErr == nil {
			if err != nil || d.String() != tt.in {
				t.Errorf("ParseDigest(%q) = %v, %v; want it back, nil", tt.in, d, err)
			}
			continue
		}
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("ParseDigest(%q) error = %v, want %v", tt.in, err, tt.wantErr)
		}
	}
}

func newStore(t *testing.T) *blobstore.Store {
	t.Helper()
	s, err := blobstore.NewFilesystem(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func readAll(t *testing.T, s *blobstore.Store, d blobstore.Digest, off int64) string {
	t.Helper()
	rc, err := s.Open(context.Background(), d, off)
	if err != nil {
		t.Fatalf("Open(%s): %v", d, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestPutAndRead(t *testing.T) {
	ctx := context.Background()
	for _, alg := range []string{"sha256", "sha512"} {
		t.Run(alg, func(t *testing.T) {
			s := newStore(t)
			body := []byte("hello, drydock")
			d := blobstore.FromBytes(alg, body)
			if _, err := s.Stat(ctx, d); !errors.Is(err, blobstore.ErrBlobUnknown) {
				t.Errorf("Stat before Put = %v, want ErrBlobUnknown", err)
			}
			n, err := s.Put(ctx, d, bytes.NewReader(body))
			if err != nil || n != int64(len(body)) {
				t.Fatalf("Put = %d, %v; want %d, nil", n, err, len(body))
			}
			if size, err := s.Stat(ctx, d); err != nil || size != int64(len(body)) {
				t.Errorf("Stat = %d, %v; want %d", size, err, len(body))
			}
			if got := readAll(t, s, d, 7); got != "drydock" {
				t.Errorf("read from offset 7 = %q, want %q", got, "drydock")
			}
			var walked []string
			if err := s.Walk(ctx, func(w blobstore.Digest, size int64, _ time.Time) error {
				walked = append(walked, w.String())
				return nil
			}); err != nil || len(walked) != 1 || walked[0] != d.String() {
				t.Errorf("Walk = %v, %v; want [%s]", walked, err, d)
			}
			if err := s.Delete(ctx, d); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Stat(ctx, d); !errors.Is(err, blobstore.ErrBlobUnknown) {
				t.Errorf("Stat after Delete = %v, want ErrBlobUnknown", err)
			}
		})
	}
}

func TestPutMismatchLeavesNothing(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	claimed := blobstore.FromBytes("sha256", []byte("what was promised"))
	_, err := s.Put(ctx, claimed, strings.NewReader("what was sent"))
	if !errors.Is(err, blobstore.ErrDigestMismatch) {
		t.Fatalf("Put with wrong digest = %v, want ErrDigestMismatch", err)
	}
	if _, err := s.Stat(ctx, claimed); !errors.Is(err, blobstore.ErrBlobUnknown) {
		t.Errorf("Stat after failed Put = %v, want ErrBlobUnknown (nothing half-written served)", err)
	}
}

func TestChunkedAppend(t *testing.T) {
	ctx := context.Background()
	chunks := []string{"first chunk, ", "second chunk, ", "", "third"}
	whole := strings.Join(chunks, "")
	for _, alg := range []string{"sha256", "sha512"} {
		t.Run(alg, func(t *testing.T) {
			s := newStore(t)
			id := blobstore.NewUploadID()
			var p blobstore.Progress
			for i, c := range chunks {
				var err error
				// The running hash is sha256: the algorithm is unknown until the end.
				if p, err = s.Append(ctx, id, p, "sha256", strings.NewReader(c)); err != nil {
					t.Fatalf("Append chunk %d: %v", i, err)
				}
			}
			if p.Written != int64(len(whole)) {
				t.Fatalf("Written = %d, want %d", p.Written, len(whole))
			}
			d := blobstore.FromBytes(alg, []byte(whole))
			if n, err := s.Finish(ctx, id, p, d); err != nil || n != int64(len(whole)) {
				t.Fatalf("Finish = %d, %v", n, err)
			}
			if got := readAll(t, s, d, 0); got != whole {
				t.Errorf("blob = %q, want %q", got, whole)
			}
		})
	}
}

func TestAppendRefusesDisagreement(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	id := blobstore.NewUploadID()
	p, err := s.Append(ctx, id, blobstore.Progress{}, "sha256", strings.NewReader("12345"))
	if err != nil {
		t.Fatal(err)
	}
	// Progress that claims fewer bytes than storage holds (a crash after the
	// write, before the record) must not be appended to.
	stale := blobstore.Progress{Written: 3, State: p.State}
	if _, err := s.Append(ctx, id, stale, "sha256", strings.NewReader("x")); !errors.Is(err, blobstore.ErrUploadCorrupt) {
		t.Errorf("Append on disagreeing progress = %v, want ErrUploadCorrupt", err)
	}
	if _, err := s.Finish(ctx, id, stale, blobstore.FromBytes("sha256", []byte("123"))); !errors.Is(err, blobstore.ErrUploadCorrupt) {
		t.Errorf("Finish on disagreeing progress = %v, want ErrUploadCorrupt", err)
	}
}

func TestEmptyBlob(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	d := blobstore.FromBytes("sha256", nil)
	if n, err := s.Finish(ctx, blobstore.NewUploadID(), blobstore.Progress{}, d); err != nil || n != 0 {
		t.Fatalf("Finish empty = %d, %v", n, err)
	}
	if got := readAll(t, s, d, 0); got != "" {
		t.Errorf("empty blob read %q", got)
	}
}
