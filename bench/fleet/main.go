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
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/bench/internal/synth"
	"github.com/drydock/drydock/enforce"
	"github.com/drydock/drydock/fleet"
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
	rng := synth.Rand()
	dbPath := filepath.Join(work, "vuln.db")
	if err := synth.BuildDB(ctx, dbPath, *names); err != nil {
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
		d, inv := synth.Inventory(rng, i, *packages, *names)
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
	n, err := synth.Update(ctx, rng, dbPath, work, *names, *touch)
	if err != nil {
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
	stop := synth.Profile(*profile)
	inc := audit(ctx, a, src, fmt.Sprintf("audit after an update naming %d names (%.1f%%)", n, *touch*100))
	stop()
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
	c, t := synth.CPU(), time.Now()
	rep, err := a.Run(ctx, src)
	if err != nil {
		log.Fatalf("%s: %v", what, err)
	}
	r := result{rep: rep, wall: time.Since(t), cpu: synth.CPU() - c}
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
	c, t := synth.CPU(), time.Now()
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
	r := result{wall: time.Since(t), cpu: synth.CPU() - c}
	log.Printf("full rematch of %d SBOMs: wall %s, CPU %s", len(src.rs), r.wall.Round(time.Millisecond), r.cpu.Round(time.Millisecond))
	return r
}
