package enforce_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/drydock/drydock/enforce"
	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/store/storetest"
)

// TestWatchRematchesWhenTheFileIsReplaced stands for `drydock db import`
// run beside `drydock serve`: the import renames a new file into place and
// the watcher rematches once, not again while the file stays the same.
func TestWatchRematchesWhenTheFileIsReplaced(t *testing.T) {
	st := storetest.SQLite(t)
	f := newFixture(t, st)
	f.enforce(t, "prod", highPolicy)
	d := dg("zipper")
	putImage(t, st, "prod/zipper", d, dg("layer"))
	inv := &inventory.Inventory{Digest: d.String(), Packages: []inventory.Package{debPkg("zlib1g", "zlib", "1:1.2.13.dfsg-1")}}
	f.scans.put(d, &enforce.ScanResult{State: enforce.StateScanned, Inventory: inv})

	osvDir, dbPath := t.TempDir(), filepath.Join(t.TempDir(), "vuln.db")
	if err := os.WriteFile(filepath.Join(osvDir, "CVE-2024-5535.json"), []byte(opensslOSV), 0o644); err != nil {
		t.Fatal(err)
	}
	importDB(t, dbPath, osvDir)
	rm, err := enforce.NewRematcher(st, f.scans, f.settings)
	if err != nil {
		t.Fatal(err)
	}
	reports := make(chan *enforce.RematchReport, 10)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go rm.Watch(ctx, dbPath, 20*time.Millisecond, func(rep *enforce.RematchReport, err error) {
		if err != nil {
			t.Errorf("watch: %v", err)
			return
		}
		reports <- rep
	})
	first := <-reports
	if !first.Full || first.Stored != 1 || len(first.Flips) != 0 {
		t.Fatalf("first report = %+v, want a full rematch without flips", first)
	}
	select {
	case rep := <-reports:
		t.Fatalf("rematched again with no change: %+v", rep)
	case <-time.After(100 * time.Millisecond):
	}
	if err := os.WriteFile(filepath.Join(osvDir, "CVE-2023-45853.json"), []byte(zlibOSV), 0o644); err != nil {
		t.Fatal(err)
	}
	importDB(t, dbPath, osvDir)
	select {
	case rep := <-reports:
		if rep.Full || rep.Reevaluated != 1 || len(rep.Flips) != 1 || rep.Flips[0].Pass {
			t.Fatalf("after the import = %+v, want prod/zipper flipped to fail", rep)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no rematch within 5 s of the import")
	}
}
