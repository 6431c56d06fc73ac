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
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/enforce"
	"github.com/drydock/drydock/inventory"
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
	osvDir := filepath.Join(work, "update")
	if err := os.MkdirAll(osvDir, 0o755); err != nil {
		log.Fatal(err)
	}
	n := int(float64(*names) * *touch)
	for k, j := range rng.Perm(*names)[:n] {
		a := advisory(fmt.Sprintf("GHSA-new-%05d", k), name(j), "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N")
		body, _ := json.Marshal(a)
		if err := os.WriteFile(filepath.Join(osvDir, a.ID+".json"), body, 0o644); err != nil {
			log.Fatal(err)
		}
	}
	time.Sleep(10 * time.Millisecond) // the records' write time must follow the last rematch's start
	if _, err := vulndb.Import(ctx, dbPath, osvDir); err != nil {
		log.Fatal(err)
	}
	db.Close()
	if db, err = vulndb.Open(ctx, dbPath); err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	current = db
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
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

// cpu is the process's user and system CPU time so far. On a shared
// machine it says more than the wall time.
func cpu() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		log.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type result struct {
	rep *enforce.RematchReport
	cpu time.Duration
}

func timed(what string, fn func() (*enforce.RematchReport, error)) result {
	c := cpu()
	rep, err := fn()
	if err != nil {
		log.Fatalf("%s: %v", what, err)
	}
	r := result{rep: rep, cpu: cpu() - c}
	log.Printf("%s: wall %s, CPU %s (%d re-evaluated, %d not, %d flips)", what, rep.Took.Round(time.Millisecond), r.cpu.Round(time.Millisecond), rep.Reevaluated, rep.NotReevaluated, len(rep.Flips))
	return r
}

func advisory(id, pkg, vector string) *vulndb.Advisory {
	return &vulndb.Advisory{
		ID: id, Modified: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Summary: "benchmark advisory for " + pkg,
		Severity: []vulndb.Severity{{Type: "CVSS_V3", Score: vector}},
		Affected: []vulndb.Affected{{Package: vulndb.Package{Ecosystem: "npm", Name: pkg},
			Ranges: []vulndb.Range{{Type: "SEMVER", Events: []vulndb.Event{{Introduced: "0"}, {Fixed: "2.0.0"}}}}}},
	}
}
