// Package synth makes the synthetic data of the rematch benchmarks
// (bench/rematch, bench/fleet): npm packages named from a fixed universe,
// a vulnerability database with an advisory for every tenth name, SBOMs
// drawn from the universe, and an update naming a share of the names. The
// same seed gives the same data, so the two benchmarks compare.
package synth

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/vulndb"
)

// Rand is the benchmarks' random source, seeded the same every run.
func Rand() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }

// Name is the i-th package name of the universe.
func Name(i int) string { return fmt.Sprintf("bench-pkg-%05d", i) }

// BuildDB writes the database before the update to path: one advisory for
// every tenth of names names, low severity, affecting versions below 2.0.0.
func BuildDB(ctx context.Context, path string, names int) error {
	var advs []*vulndb.Advisory
	for i := 0; i < names; i += 10 {
		advs = append(advs, advisory(fmt.Sprintf("GHSA-base-%05d", i), Name(i), "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N"))
	}
	return vulndb.Build(ctx, path, advs)
}

// Inventory is the SBOM of image i: packages names drawn from names, each
// at a version below or above 2.0.0 at even odds.
func Inventory(rng *rand.Rand, i, packages, names int) (digest.Digest, *inventory.Inventory) {
	d := digest.FromString(fmt.Sprintf("image-%d", i))
	inv := &inventory.Inventory{Digest: d.String()}
	for _, j := range rng.Perm(names)[:packages] {
		v := fmt.Sprintf("1.%d.0", rng.IntN(9))
		if rng.IntN(2) == 0 {
			v = fmt.Sprintf("2.%d.0", rng.IntN(9))
		}
		inv.Packages = append(inv.Packages, inventory.Package{Name: Name(j), Version: v, Type: inventory.TypeNPM,
			Ecosystem: "npm", PURL: "pkg:npm/" + Name(j) + "@" + v, Path: "app/node_modules/" + Name(j) + "/package.json", Layer: 1})
	}
	return d, inv
}

// Update imports into the database at path new high advisories naming
// touch × names of the names, written as OSV files under work/update, and
// returns how many names they touch. The records are written after
// whatever came before (a rematch's start, a database's build).
func Update(ctx context.Context, rng *rand.Rand, path, work string, names int, touch float64) (int, error) {
	dir := filepath.Join(work, "update")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	n := int(float64(names) * touch)
	for k, j := range rng.Perm(names)[:n] {
		a := advisory(fmt.Sprintf("GHSA-new-%05d", k), Name(j), "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N")
		body, err := json.Marshal(a)
		if err != nil {
			return 0, err
		}
		if err := os.WriteFile(filepath.Join(dir, a.ID+".json"), body, 0o644); err != nil {
			return 0, err
		}
	}
	time.Sleep(10 * time.Millisecond) // the records' write time must follow what came before
	if _, err := vulndb.Import(ctx, path, dir); err != nil {
		return 0, err
	}
	return n, nil
}

func advisory(id, pkg, vector string) *vulndb.Advisory {
	return &vulndb.Advisory{
		ID: id, Modified: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Summary: "benchmark advisory for " + pkg,
		Severity: []vulndb.Severity{{Type: "CVSS_V3", Score: vector}},
		Affected: []vulndb.Affected{{Package: vulndb.Package{Ecosystem: "npm", Name: pkg},
			Ranges: []vulndb.Range{{Type: "SEMVER", Events: []vulndb.Event{{Introduced: "0"}, {Fixed: "2.0.0"}}}}}},
	}
}

// CPU is the process's user and system CPU time so far. On a shared
// machine it says more than the wall time.
func CPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		log.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Profile starts a CPU profile into path ("" for none) and returns what
// stops it.
func Profile(path string) func() {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		log.Fatal(err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}
