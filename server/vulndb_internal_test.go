package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/drydock/drydock/vulndb"
)

// TestLiveDBFollowsReplacement: after the database file is replaced (as
// db update does, by renaming a finished file over it) the scanner's
// lookups read the new file, and the old one stays usable until closed.
func TestLiveDBFollowsReplacement(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	build := func(path string, files ...string) {
		t.Helper()
		var advs []*vulndb.Advisory
		for _, f := range files {
			b, err := os.ReadFile(filepath.Join("..", "match", "testdata", "osv", f))
			if err != nil {
				t.Fatal(err)
			}
			var a vulndb.Advisory
			if err := json.Unmarshal(b, &a); err != nil {
				t.Fatal(err)
			}
			advs = append(advs, &a)
		}
		if err := vulndb.Build(ctx, path, advs); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "vuln.db")
	build(path, "DEBIAN-CVE-2023-46218.json")
	live, err := openLiveDB(ctx, path, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	live.every = 0
	count := func(name string) int {
		t.Helper()
		advs, err := live.Advisories(ctx, "Debian:12", name)
		if err != nil {
			t.Fatal(err)
		}
		return len(advs)
	}
	if count("curl") != 1 || count("glibc") != 0 {
		t.Fatalf("first database: curl %d, glibc %d advisories; want 1 and 0", count("curl"), count("glibc"))
	}
	next := filepath.Join(dir, "vuln.db.new")
	build(next, "DEBIAN-CVE-2023-4911.json")
	if err := os.Rename(next, path); err != nil {
		t.Fatal(err)
	}
	if count("glibc") != 1 || count("curl") != 0 {
		t.Errorf("after the replacement: glibc %d, curl %d advisories; want 1 and 0", count("glibc"), count("curl"))
	}
	if len(live.old) != 1 {
		t.Errorf("%d replaced databases kept open, want 1 until the grace period ends", len(live.old))
	}
}
