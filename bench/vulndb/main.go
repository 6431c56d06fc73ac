// Command vulndb-bench measures vulndb on a synthetic OSV corpus: it writes a
// corpus of -records records as an OSV all.zip, imports it in a child
// process (so the child's peak RSS is the import's alone), and times
// lookups. Run it from the repository root:
//
//	go run ./bench/vulndb -records 300000
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/drydock/drydock/bench/vulndb/corpus"
	"github.com/drydock/drydock/vulndb"
)

func main() {
	records := flag.Int("records", 300000, "records in the generated corpus")
	lookups := flag.Int("lookups", 20000, "lookups to time")
	dir := flag.String("dir", "", "work folder (default: a new temporary folder, removed at the end)")
	reuse := flag.Bool("reuse", false, "reuse the corpus already in -dir instead of generating it")
	importOnly := flag.String("import", "", "internal: import this zip into -db and exit")
	dbFlag := flag.String("db", "", "internal: database path for -import")
	flag.Parse()
	ctx := context.Background()
	if *importOnly != "" {
		if _, err := vulndb.Import(ctx, *dbFlag, *importOnly); err != nil {
			log.Fatal(err)
		}
		return
	}
	work := *dir
	if work == "" {
		var err error
		if work, err = os.MkdirTemp("", "vulndb-bench-"); err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(work)
	}
	src := filepath.Join(work, "Bench", "all.zip")
	db := filepath.Join(work, "vuln.db")
	os.Remove(db)

	if *reuse && size(src) > 0 {
		fmt.Printf("corpus: reused %s (%.1f MiB zip)\n", src, mib(size(src)))
	} else {
		start := time.Now()
		jsonBytes, err := generate(src, *records)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("corpus: %d records, %.1f MiB JSON, %.1f MiB zip, generated in %v\n",
			*records, mib(jsonBytes), mib(size(src)), time.Since(start).Round(time.Millisecond))
	}

	for _, run := range []string{"import (new database)", "re-import (unchanged corpus)"} {
		wall, ru, err := importChild(src, db)
		if err != nil {
			log.Fatal(err)
		}
		cpu := time.Duration(syscall.TimevalToNsec(ru.Utime) + syscall.TimevalToNsec(ru.Stime))
		fmt.Printf("%s: wall %v (%.0f records/s), cpu %v (%.0f records/cpu-s), peak RSS %.1f MiB, database %.1f MiB\n",
			run, wall.Round(time.Millisecond), float64(*records)/wall.Seconds(),
			cpu.Round(time.Millisecond), float64(*records)/cpu.Seconds(), float64(ru.Maxrss)/1024, mib(size(db)))
	}
	if err := timeLookups(ctx, db, *lookups); err != nil {
		log.Fatal(err)
	}
}

func generate(path string, n int) (int64, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return 0, err
	}
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	total, err := corpus.WriteZip(f, n, 1, corpus.Ecosystems)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return total, err
}

// importChild runs the import in a child process and returns its wall time
// and resource usage (getrusage of the child: CPU time, peak RSS in KiB).
// CPU time is the figure to compare on a shared machine, where wall time
// depends on what else runs.
func importChild(src, db string) (time.Duration, *syscall.Rusage, error) {
	self, err := os.Executable()
	if err != nil {
		return 0, nil, err
	}
	cmd := exec.Command(self, "-import", src, "-db", db)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, nil, fmt.Errorf("import: %w", err)
	}
	wall := time.Since(start)
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, nil, fmt.Errorf("no rusage on this platform")
	}
	return wall, ru, nil
}

// timeLookups looks up random packages of the corpus (and some that no
// record names) and prints the latency distribution.
func timeLookups(ctx context.Context, path string, n int) error {
	db, err := vulndb.Open(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()
	r := rand.New(rand.NewPCG(7, 7))
	lat := make([]time.Duration, 0, n)
	found := 0
	for i := 0; i < n; i++ {
		e := corpus.Ecosystems[r.IntN(len(corpus.Ecosystems))]
		name := e.Package(r.IntN(e.Packages * 11 / 10)) // a tenth of them do not exist
		start := time.Now()
		advs, err := db.Advisories(ctx, e.Name, name)
		lat = append(lat, time.Since(start))
		if err != nil {
			return err
		}
		found += len(advs)
	}
	slices.Sort(lat)
	var sum time.Duration
	for _, d := range lat {
		sum += d
	}
	q := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1))].Round(time.Microsecond) }
	fmt.Printf("lookups: %d, %.1f records per lookup, mean %v, p50 %v, p90 %v, p99 %v, max %v\n",
		n, float64(found)/float64(n), (sum / time.Duration(n)).Round(time.Microsecond), q(0.5), q(0.9), q(0.99), q(1))
	return nil
}

func size(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }
