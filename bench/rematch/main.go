// Command rematch-bench measures the rematch that follows a database
// update: -sboms stored SBOMs of -packages packages each, drawn from a
// universe of -names npm package names, judged under a failOn: high policy;
// then an import of new advisories naming -touch of the names, and the
// incremental rematch that follows, beside a full rematch of everything.
// Run it from the repository root:
//
//	go run ./bench/rematch -sboms 10000 -packages 200
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/bench/internal/synth"
	"github.com/drydock/drydock/enforce"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/verdict"
	"github.com/drydock/drydock/vulndb"
)

func main() {
	sboms := flag.Int("sboms", 10000, "stored SBOMs")
	packages := flag.Int("packages", 200, "packages per SBOM")
	names := flag.Int("names", 20000, "distinct package names they are drawn from")
	touch := flag.Float64("touch", 0.01, "share of the names the update's advisories name")
	dir := flag.String("dir", "", "work folder (default: a new temporary folder, removed at the end)")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the rematch after the update to this file")
	flag.Parse()
	ctx := context.Background()
	work := *dir
	if work == "" {
		var err error
		if work, err = os.MkdirTemp("", "rematch-bench-"); err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(work)
	}
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
	if err := st.CreateNamespace(ctx, auth.Namespace{Name: "prod", Created: time.Now()}); err != nil {
		log.Fatal(err)
	}
	settings, err := enforce.NewSettings(ctx, st)
	if err != nil {
		log.Fatal(err)
	}
	on := true
	if _, err := settings.Set(ctx, auth.Local("bench"), "prod", enforce.Change{Enforce: &on,
		Policy: []byte("apiVersion: drydock/v1\nkind: Policy\nname: prod\nseverity: {failOn: high}\n")}); err != nil {
		log.Fatal(err)
	}
	vs := verdict.New(st)
	t0 := time.Now()
	for i := range *sboms {
		d, inv := synth.Inventory(rng, i, *packages, *names)
		repo := fmt.Sprintf("prod/app%d", i%100)
		if err := st.PutManifest(ctx, &store.Manifest{Repo: repo, Digest: d.String(), MediaType: "application/vnd.oci.image.manifest.v1+json",
			ConfigMediaType: "application/vnd.oci.image.config.v1+json", Content: []byte(d)}); err != nil {
			log.Fatal(err)
		}
		// What the scan on push stores: the SBOM and a verdict.
		if err := vs.PutSBOM(ctx, d.String(), inv); err != nil {
			log.Fatal(err)
		}
		if _, err := vs.Put(ctx, &store.Verdict{Namespace: "prod", Digest: d.String(), Status: store.VerdictPass, ScannedAt: time.Unix(0, 1)}); err != nil {
			log.Fatal(err)
		}
	}
	log.Printf("stored %d SBOMs of %d packages in %s", *sboms, *packages, time.Since(t0).Round(time.Millisecond))

	var current enforce.Database
	results := enforce.NewStoredResults(st, func() enforce.Database { return current })
	rm, err := enforce.NewRematcher(st, results, settings)
	if err != nil {
		log.Fatal(err)
	}
	db, err := vulndb.Open(ctx, dbPath)
	if err != nil {
		log.Fatal(err)
	}
	current = db
	first := timed("first rematch (indexes every SBOM, matches all, stores every image's findings)", func() (*enforce.RematchReport, error) { return rm.Run(ctx, db, false) })
	full := timed("full rematch (every package of every SBOM)", func() (*enforce.RematchReport, error) { return rm.Run(ctx, db, true) })

	// The update: new high advisories naming touch × names names.
	n, err := synth.Update(ctx, rng, dbPath, work, *names, *touch)
	if err != nil {
		log.Fatal(err)
	}
	db.Close()
	if db, err = vulndb.Open(ctx, dbPath); err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	current = db
	defer synth.Profile(*profile)()
	inc := timed(fmt.Sprintf("rematch after an update naming %d names (%.1f%%)", n, *touch*100), func() (*enforce.RematchReport, error) { return rm.Run(ctx, db, false) })

	fmt.Printf("\n%d SBOMs x %d packages, %d names, GOMAXPROCS %d\n", *sboms, *packages, *names, runtime.GOMAXPROCS(0))
	fmt.Printf("| rematch | wall | CPU | re-evaluated | not re-evaluated | findings rewritten | flips |\n|---|---|---|---|---|---|---|\n")
	for _, r := range []struct {
		what string
		res  result
	}{{"first (index + full)", first}, {"full", full}, {"after the update", inc}} {
		rep := r.res.rep
		fmt.Printf("| %s | %s | %s | %d | %d | %d | %d |\n", r.what, rep.Took.Round(time.Millisecond), r.res.cpu.Round(time.Millisecond),
			rep.Reevaluated, rep.NotReevaluated, rep.Rewritten, len(rep.Flips))
	}
}

type result struct {
	rep *enforce.RematchReport
	cpu time.Duration
}

func timed(what string, fn func() (*enforce.RematchReport, error)) result {
	c := synth.CPU()
	rep, err := fn()
	if err != nil {
		log.Fatalf("%s: %v", what, err)
	}
	r := result{rep: rep, cpu: synth.CPU() - c}
	log.Printf("%s: wall %s, CPU %s (%d re-evaluated, %d not, %d flips)", what, rep.Took.Round(time.Millisecond), r.cpu.Round(time.Millisecond), rep.Reevaluated, rep.NotReevaluated, len(rep.Flips))
	return r
}
