// Command fleet-bench measures the continuous audit's rematch: -sboms
// running images whose SBOMs are stored (as the registry's scan on push
// stores them), of -packages npm packages each drawn from -names names;
// a first audit, an idle one, then an import of new advisories naming
// -touch of the names and the incremental audit that follows, beside a
// full rematch of every running SBOM against the updated database.
// Run it from the repository root:
//
//	go run ./bench/fleet -sboms 10000 -packages 200
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
	"syscall"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/enforce"
	"github.com/drydock/drydock/fleet"
	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/scan"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/verdict"
	"github.com/drydock/drydock/vulndb"
)

func main() {
	sboms := flag.Int("sboms", 10000, "running images with a stored SBOM")
	packages := flag.Int("packages", 200, "packages per SBOM")
	names := flag.Int("names", 20000, "distinct package names they are drawn from")
	touch := flag.Float64("touch", 0.01, "share of the names the update's advisories name")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the audit after the update to this file")
	flag.Parse()
	ctx := context.Background()
	work, err := os.MkdirTemp("", "fleet-bench-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(work)
	rng := rand.New(rand.NewPCG(1, 2))
	name := func(i int) string { return fmt.Sprintf("bench-pkg-%05d", i) }

	// The database before the update: one advisory for every tenth name,
	// affecting versions below 2.0.0.
	dbPath := filepath.Join(work, "vuln.db")
	var advs []*vulndb.Advisory
	for i := 0; i < *names; i += 10 {
		advs = append(advs, advisory(fmt.Sprintf("GHSA-base-%05d", i), name(i), "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N"))
	}
	if err := vulndb.Build(ctx, dbPath, advs); err != nil {
		log.Fatal(err)
	}
	st, err := store.Open(ctx, filepath.Join(work, "drydock.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()

	// What the registry's scan on push stores: the SBOM by digest. Each
	// image runs in one Deployment.
	vs := verdict.New(st)
	src := &running{}
	t0 := time.Now()
	for i := range *sboms {
		d := digest.FromString(fmt.Sprintf("image-%d", i))
		inv := &inventory.Inventory{Digest: d.String()}
		for _, j := range rng.Perm(*names)[:*packages] {
			v := fmt.Sprintf("1.%d.0", rng.IntN(9))
			if rng.IntN(2) == 0 {
				v = fmt.Sprintf("2.%d.0", rng.IntN(9))
			}
			inv.Packages = append(inv.Packages, inventory.Package{Name: name(j), Version: v, Type: inventory.TypeNPM,
				Ecosystem: "npm", PURL: "pkg:npm/" + name(j) + "@" + v, Path: "app/node_modules/" + name(j) + "/package.json", Layer: 1})
		}
		if err := vs.PutSBOM(ctx, d.String(), inv); err != nil {
			log.Fatal(err)
		}
		src.rs = append(src.rs, fleet.Running{Environment: "prod", Container: "app", Digest: d,
			Workload: fleet.Workload{Kind: "Deployment", Namespace: fmt.Sprintf("team%d", i%50), Name: fmt.Sprintf("app%d", i)},
			Image:    fmt.Sprintf("registry.example.com/team%d/app%d:1", i%50, i)})
	}
	log.Printf("stored %d SBOMs of %d packages in %s", *sboms, *packages, time.Since(t0).Round(time.Millisecond))

	var mu sync.Mutex
	db, err := vulndb.Open(ctx, dbPath)
	if err != nil {
		log.Fatal(err)
	}
	current := db
	sc, err := scan.New(db) // catalogs nothing here: every SBOM is stored
	if err != nil {
		log.Fatal(err)
	}
	a, err := fleet.New(fleet.Config{Store: st, Scanner: sc, Registries: []string{"registry.example.com"},
		Database: func() enforce.Database { mu.Lock(); defer mu.Unlock(); return current }})
	if err != nil {
		log.Fatal(err)
	}
	first := audit(ctx, a, src, "first audit (matches every SBOM whole, stores and indexes findings)")
	idle := audit(ctx, a, src, "idle audit (nothing changed)")

	// The update: new high advisories naming touch × names names.
	osvDir := filepath.Join(work, "update")
	if err := os.MkdirAll(osvDir, 0o755); err != nil {
		log.Fatal(err)
	}
	n := int(float64(*names) * *touch)
	for k, j := range rng.Perm(*names)[:n] {
		adv := advisory(fmt.Sprintf("GHSA-new-%05d", k), name(j), "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N")
		body, _ := json.Marshal(adv)
		if err := os.WriteFile(filepath.Join(osvDir, adv.ID+".json"), body, 0o644); err != nil {
			log.Fatal(err)
		}
	}
	time.Sleep(10 * time.Millisecond) // the records' write time must follow the first database's build
	if _, err := vulndb.Import(ctx, dbPath, osvDir); err != nil {
		log.Fatal(err)
	}
	db2, err := vulndb.Open(ctx, dbPath)
	if err != nil {
		log.Fatal(err)
	}
	defer db2.Close()
	mu.Lock()
	current = db2
	mu.Unlock()
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
	}
	inc := audit(ctx, a, src, fmt.Sprintf("audit after an update naming %d names (%.1f%%)", n, *touch*100))
	pprof.StopCPUProfile()
	full := fullRematch(ctx, vs, src, db2)

	fmt.Printf("\n%d running SBOMs x %d packages, %d names, GOMAXPROCS %d\n", *sboms, *packages, *names, runtime.GOMAXPROCS(0))
	fmt.Printf("| audit | rematch wall | whole audit wall | CPU | re-evaluated | not re-evaluated | new |\n|---|---|---|---|---|---|---|\n")
	for _, r := range []struct {
		what string
		res  result
	}{{"first (every SBOM matched whole)", first}, {"idle", idle}, {"after the update", inc}} {
		rc := r.res.rep.Rematch
		fmt.Printf("| %s | %s | %s | %s | %d | %d | %d |\n", r.what, rc.Took.Round(time.Millisecond), r.res.wall.Round(time.Millisecond),
			r.res.cpu.Round(time.Millisecond), rc.Reevaluated, rc.NotReevaluated, len(r.res.rep.New))
	}
	fmt.Printf("| full rematch of every running SBOM against the updated database (decode + match, no writes) | %s | | %s | %d | 0 | |\n",
		full.wall.Round(time.Millisecond), full.cpu.Round(time.Millisecond), *sboms)
}

type running struct{ rs []fleet.Running }

func (r *running) Running(context.Context) ([]fleet.Running, error) { return r.rs, nil }
func (r *running) Describe() string                                 { return "benchmark inventory" }

type result struct {
	rep       *fleet.Report
	wall, cpu time.Duration
}

func audit(ctx context.Context, a *fleet.Auditor, src fleet.Source, what string) result {
	c, t := cpu(), time.Now()
	rep, err := a.Run(ctx, src)
	if err != nil {
		log.Fatalf("%s: %v", what, err)
	}
	r := result{rep: rep, wall: time.Since(t), cpu: cpu() - c}
	rc := rep.Rematch
	log.Printf("%s: rematch %s, whole audit %s, CPU %s (%d re-evaluated, %d not, %d records changed, %d new)", what,
		rc.Took.Round(time.Millisecond), r.wall.Round(time.Millisecond), r.cpu.Round(time.Millisecond), rc.Reevaluated,
		rc.NotReevaluated, rc.ChangedRecords, len(rep.New))
	return r
}

// fullRematch matches every package of every running SBOM against db, on
// as many workers as the audit uses: what an audit without the
// incremental rematch would do at least.
func fullRematch(ctx context.Context, vs *verdict.Store, src *running, db enforce.Database) result {
	c, t := cpu(), time.Now()
	m := enforce.NewMatcher(db)
	next := make(chan digest.Digest)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for d := range next {
				inv, _, err := vs.SBOM(ctx, d.String())
				if err != nil {
					log.Fatal(err)
				}
				if _, err := m.Rematch(ctx, d, inv, nil, nil); err != nil {
					log.Fatal(err)
				}
			}
		})
	}
	for _, r := range src.rs {
		next <- r.Digest
	}
	close(next)
	wg.Wait()
	r := result{wall: time.Since(t), cpu: cpu() - c}
	log.Printf("full rematch of %d SBOMs: wall %s, CPU %s", len(src.rs), r.wall.Round(time.Millisecond), r.cpu.Round(time.Millisecond))
	return r
}

// cpu is the process's user and system CPU time so far. On a shared
// machine it says more than the wall time.
func cpu() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		log.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func advisory(id, pkg, vector string) *vulndb.Advisory {
	return &vulndb.Advisory{
		ID: id, Modified: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Summary: "benchmark advisory for " + pkg,
		Severity: []vulndb.Severity{{Type: "CVSS_V3", Score: vector}},
		Affected: []vulndb.Affected{{Package: vulndb.Package{Ecosystem: "npm", Name: pkg},
			Ranges: []vulndb.Range{{Type: "SEMVER", Events: []vulndb.Event{{Introduced: "0"}, {Fixed: "2.0.0"}}}}}},
	}
}
