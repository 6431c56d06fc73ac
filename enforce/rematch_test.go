package enforce_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/enforce"
	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/match"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/store/storetest"
	"github.com/drydock/drydock/vulndb"
)

// Two real Debian 12 advisories (facts from the Debian security tracker and
// NVD): OpenSSL's SSL_select_next_proto over-read and MiniZip's integer
// overflow in zlib.
const (
	opensslOSV = `{"id": "CVE-2024-5535", "modified": "2024-07-01T00:00:00Z",
 "summary": "SSL_select_next_proto buffer overread",
 "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:H"}],
 "affected": [{"package": {"ecosystem": "Debian:12", "name": "openssl"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.14-1~deb12u1"}]}]}]}`
	zlibOSV = `{"id": "CVE-2023-45853", "modified": "2024-01-15T00:00:00Z",
 "summary": "MiniZip integer overflow in zipOpenNewFileInZip4_64",
 "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
 "affected": [{"package": {"ecosystem": "Debian:12", "name": "zlib"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1:1.3.dfsg+really1.3.1-1"}]}]}]}`
)

func debPkg(name, source, version string) inventory.Package {
	return inventory.Package{Name: name, SourceName: source, Version: version, Type: inventory.TypeDeb,
		Ecosystem: "Debian:12", Path: "var/lib/dpkg/status", PURL: "pkg:deb/debian/" + name + "@" + version}
}

// importDB imports the folder into the database and opens it.
func importDB(t *testing.T, dbPath, dir string) *vulndb.DB {
	t.Helper()
	ctx := context.Background()
	if _, err := vulndb.Import(ctx, dbPath, dir); err != nil {
		t.Fatalf("vulndb.Import: %v", err)
	}
	db, err := vulndb.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestRematchFlipsExactlyTheImageAnImportAffects(t *testing.T) {
	storetest.Run(t, testRematchFlips)
}

func testRematchFlips(t *testing.T, st *store.Store) {
	ctx := context.Background()
	f := newFixture(t, st)
	f.enforce(t, "prod", highPolicy)

	osvDir, dbPath := t.TempDir(), filepath.Join(t.TempDir(), "vuln.db")
	if err := os.WriteFile(filepath.Join(osvDir, "CVE-2024-5535.json"), []byte(opensslOSV), 0o644); err != nil {
		t.Fatal(err)
	}
	db := importDB(t, dbPath, osvDir)

	// Three stored images, scanned and judged as the scanner would.
	images := map[string][]inventory.Package{
		"prod/web":    {debPkg("libssl3", "openssl", "3.0.11-1~deb12u2"), debPkg("tzdata", "tzdata", "2024a-0+deb12u1")},
		"prod/zipper": {debPkg("zlib1g", "zlib", "1:1.2.13.dfsg-1"), debPkg("tzdata", "tzdata", "2024a-0+deb12u1")},
		"prod/base":   {debPkg("base-files", "base-files", "12.4+deb12u5")},
	}
	digests := map[string]digest.Digest{}
	pol, _ := f.settings.Policy(ctx, "prod")
	for repo, pkgs := range images {
		d := dg(repo)
		digests[repo] = d
		putImage(t, st, repo, d, dg(repo+"/layer"))
		inv := &inventory.Inventory{Digest: d.String(), Packages: pkgs}
		fs, err := match.Match(ctx, inv, db)
		if err != nil {
			t.Fatal(err)
		}
		v, err := pol.Evaluate(ctx, policyInput(inv, fs))
		if err != nil {
			t.Fatal(err)
		}
		f.scans.put(d, &enforce.ScanResult{State: enforce.StateScanned, Inventory: inv, Findings: fs, Pass: &v.Pass})
	}

	var mu sync.Mutex
	var announced []enforce.Flip
	rm, err := enforce.NewRematcher(st, f.scans, f.settings, enforce.WithAudit(f.audit), enforce.WithFlipHook(func(fl enforce.Flip) {
		mu.Lock()
		announced = append(announced, fl)
		mu.Unlock()
	}))
	if err != nil {
		t.Fatal(err)
	}
	rm.InvalidateWith(f.gate.Invalidate)
	rep, err := rm.Run(ctx, db, false)
	if err != nil {
		t.Fatalf("first rematch: %v", err)
	}
	if !rep.Full || rep.Stored != 3 || rep.Reevaluated != 3 || len(rep.Flips) != 0 || rep.Rewritten != 0 {
		t.Fatalf("first rematch = %+v; want a full rematch of 3 that changes nothing", rep)
	}
	if err := f.gate.MayServeManifest(ctx, "prod/zipper", digests["prod/zipper"], admin); err != nil {
		t.Fatalf("zipper before the import: %v", err)
	}

	// The import brings the zlib advisory: only prod/zipper holds zlib.
	if err := os.WriteFile(filepath.Join(osvDir, "CVE-2023-45853.json"), []byte(zlibOSV), 0o644); err != nil {
		t.Fatal(err)
	}
	db = importDB(t, dbPath, osvDir)
	rep, err = rm.Run(ctx, db, false)
	if err != nil {
		t.Fatalf("rematch after import: %v", err)
	}
	if rep.Full || rep.ChangedRecords != 1 || rep.ChangedNames != 1 || rep.Reevaluated != 1 || rep.NotReevaluated != 2 || rep.Rewritten != 1 {
		t.Errorf("rematch after import = %+v; want 1 changed record, 1 re-evaluated, 2 not", rep)
	}
	if len(rep.Flips) != 1 || rep.Flips[0].Digest != digests["prod/zipper"] || rep.Flips[0].Pass {
		t.Fatalf("flips = %+v; want prod/zipper pass→fail only", rep.Flips)
	}
	if len(announced) != 1 || announced[0].Repos[0] != "prod/zipper" {
		t.Errorf("hook got %+v; want the one flip", announced)
	}
	res, _ := f.scans.Result(ctx, "prod/zipper", digests["prod/zipper"])
	if len(res.Findings) != 1 || res.Findings[0].ID != "CVE-2023-45853" || *res.Pass {
		t.Errorf("stored result = %+v; want the new finding and a failing verdict", res)
	}
	refused(t, "zipper after the import", f.gate.MayServeManifest(ctx, "prod/zipper", digests["prod/zipper"], admin),
		"CVE-2023-45853", "fixed in 1:1.3.dfsg+really1.3.1-1")
	evs, err := f.audit.Query(ctx, auditlog.Filter{Action: "verdict.changed"})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Repo != "prod/zipper" || evs[0].Outcome != auditlog.OutcomeDenied || !strings.Contains(evs[0].Reason, "CVE-2023-45853") {
		t.Errorf("audit = %+v; want one verdict.changed for prod/zipper naming the CVE", evs)
	}

	// Nothing changed since: nothing is matched again.
	if rep, err = rm.Run(ctx, db, false); err != nil || rep.Reevaluated != 0 || rep.NotReevaluated != 3 || rep.ChangedRecords != 0 {
		t.Errorf("idle rematch = %+v, %v; want nothing re-evaluated", rep, err)
	}

	// The advisory leaves the database: the image it was found in flips back.
	if err := os.Remove(filepath.Join(osvDir, "CVE-2023-45853.json")); err != nil {
		t.Fatal(err)
	}
	db = importDB(t, dbPath, osvDir)
	if rep, err = rm.Run(ctx, db, false); err != nil {
		t.Fatal(err)
	}
	if rep.Reevaluated != 1 || len(rep.Flips) != 1 || !rep.Flips[0].Pass || rep.Flips[0].Digest != digests["prod/zipper"] {
		t.Errorf("after removal = %+v; want prod/zipper back to pass", rep)
	}
	if err := f.gate.MayServeManifest(ctx, "prod/zipper", digests["prod/zipper"], admin); err != nil {
		t.Errorf("zipper after the advisory left: %v", err)
	}
	refused(t, "web throughout", f.gate.MayServeManifest(ctx, "prod/web", digests["prod/web"], admin), "CVE-2024-5535")
}
