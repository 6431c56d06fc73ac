// Command scanqueue measures scan on push: it pushes -n small images in a
// burst (crane's library, -push at once) to an in-process registry whose
// listener queues a scan of each, lets -workers scan workers drain the
// queue, and reports scans per minute, the queue wait (enqueue to start)
// at p50 and p99, and the share of the workers' time the per-layer catalog
// cache saves: the same burst is run again with the cache off. Every image
// shares a Debian base layer and adds one small layer of its own, as the
// images of one organisation do. Run it from the repository root:
//
//	go run ./bench/scanqueue -n 1000 -workers 2
//	go run ./bench/scanqueue -n 1000 -database postgres://postgres@127.0.0.1:5432/test?sslmode=disable
package main

import (
	"archive/tar"
	"bytes"
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/crane"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/drydock/drydock/blobstore"
	"github.com/drydock/drydock/catalog"
	"github.com/drydock/drydock/jobs"
	"github.com/drydock/drydock/registry"
	"github.com/drydock/drydock/scan"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/vulndb"
	"github.com/drydock/drydock/vulndb/vulndbtest"
)

func main() {
	n := flag.Int("n", 1000, "images pushed in the burst")
	workers := flag.Int("workers", 2, "scan workers")
	push := flag.Int("push", 8, "pushes at once")
	dsn := flag.String("database", "", "store DSN (default SQLite in a temporary folder); PostgreSQL: a fresh database or schema")
	flag.Parse()
	dir, err := os.MkdirTemp("", "scanqueue-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	db := fixtureDB(ctx, dir)
	defer db.Close()
	base := layer(baseFiles())

	fmt.Printf("%d images, %d workers, %d pushes at once, store %s\n", *n, *workers, *push, kind(*dsn))
	cached := run(ctx, filepath.Join(dir, "cached"), *dsn, "cached", db, base, *n, *workers, *push, catalog.WithCacheDir(filepath.Join(dir, "cache")))
	uncached := run(ctx, filepath.Join(dir, "uncached"), *dsn, "uncached", db, base, *n, *workers, *push, catalog.WithoutCache())
	fmt.Printf("layer cache: workers' time %.1f s with, %.1f s without: %.0f%% saved\n",
		cached.Seconds(), uncached.Seconds(), 100*(1-cached.Seconds()/uncached.Seconds()))
}

// run pushes the burst into a fresh store and returns the workers' total
// run time.
func run(ctx context.Context, dir, dsn, label string, db *vulndb.DB, base v1.Layer, n, workers, push int, catOpt catalog.Option) time.Duration {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		log.Fatal(err)
	}
	if dsn == "" {
		dsn = filepath.Join(dir, "drydock.db")
	} else {
		dsn = freshSchema(ctx, dsn, label)
	}
	st, err := store.Open(ctx, dsn)
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	blobs, err := blobstore.NewFilesystem(filepath.Join(dir, "blobs"))
	if err != nil {
		log.Fatal(err)
	}
	sc, err := scan.New(db, scan.WithCatalogOptions(catOpt))
	if err != nil {
		log.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	q, err := jobs.New(ctx, st, dsn, jobs.WithWorkers(workers), jobs.WithScanner(sc, blobs), jobs.WithLogger(quiet))
	if err != nil {
		log.Fatal(err)
	}
	defer q.Close()
	rg, err := registry.New(st, blobs, registry.WithAnonymousAccess(), registry.WithLogger(quiet), registry.WithListener(q))
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(rg)
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	if err := q.Start(ctx); err != nil {
		log.Fatal(err)
	}
	defer q.Stop(ctx)

	start := time.Now()
	var wg sync.WaitGroup
	sem := make(chan struct{}, push)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			img := image(base, i)
			if err := crane.Push(img, fmt.Sprintf("%s/bench/app%d:%d", host, i%5, i), crane.Insecure); err != nil {
				log.Fatal(err)
			}
		}()
	}
	wg.Wait()
	pushed := time.Since(start)
	for {
		c, err := q.Counts(ctx)
		if err != nil {
			log.Fatal(err)
		}
		if c["completed"]+c["discarded"] >= n {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	var all []*jobs.Job
	for before := int64(0); ; {
		page, err := q.List(ctx, []string{"completed"}, before, 1000)
		if err != nil {
			log.Fatal(err)
		}
		all = append(all, page...)
		if len(page) < 1000 {
			break
		}
		before = page[len(page)-1].ID
	}
	var waits []time.Duration
	var work time.Duration
	first, last := all[0].CreatedAt, all[0].FinalizedAt
	for _, j := range all {
		waits = append(waits, j.AttemptedAt.Sub(j.CreatedAt))
		work += j.FinalizedAt.Sub(j.AttemptedAt)
		if j.FinalizedAt.After(last) {
			last = j.FinalizedAt
		}
		if j.CreatedAt.Before(first) {
			first = j.CreatedAt
		}
	}
	slices.Sort(waits)
	span := last.Sub(first)
	fmt.Printf("%-8s pushed in %.1f s; %d scans completed in %.1f s: %.0f scans/min; queue wait p50 %s p99 %s; mean scan %s\n",
		label, pushed.Seconds(), len(all), span.Seconds(), float64(len(all))/span.Minutes(),
		pct(waits, 50), pct(waits, 99), time.Duration(int64(work)/int64(len(all))).Round(time.Millisecond))
	return work
}

func pct(ds []time.Duration, p int) time.Duration {
	i := min(len(ds)-1, len(ds)*p/100)
	return ds[i].Round(time.Millisecond)
}

func kind(dsn string) string {
	if dsn == "" {
		return "sqlite"
	}
	return "postgres"
}

// image is the shared base layer and one small layer of its own.
func image(base v1.Layer, i int) v1.Image {
	own := layer(map[string]string{"etc/hostname": fmt.Sprintf("app-%d\n", i),
		"app/package.json": fmt.Sprintf(`{"name":"app%d","version":"1.0.%d"}`, i, i)})
	img, err := mutate.AppendLayers(empty.Image, base, own)
	if err != nil {
		log.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		log.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		log.Fatal(err)
	}
	return img
}

func layer(files map[string]string) v1.Layer {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		body := files[name]
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg, ModTime: time.Unix(0, 0)}); err != nil {
			log.Fatal(err)
		}
		io.WriteString(tw, body)
	}
	tw.Close()
	b := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
	if err != nil {
		log.Fatal(err)
	}
	return l
}

// baseFiles are a small distro base: os-release, the dpkg database and
// 1,000 files of 4 KiB that a catalog must stream past (4 MiB in all).
func baseFiles() map[string]string {
	files := map[string]string{"etc/os-release": "ID=debian\nVERSION_ID=\"12\"\n", "var/lib/dpkg/status": dpkgStatus()}
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range 1000 {
		b := make([]byte, 4096)
		for j := range b {
			b[j] = byte('a' + rnd.IntN(26))
		}
		files[fmt.Sprintf("usr/share/doc/pkg%04d/README", i)] = string(b)
	}
	return files
}

// dpkgStatus is a base image's package list: glibc below its fix for
// CVE-2023-4911, curl below its fix for CVE-2023-46218, and filler.
func dpkgStatus() string {
	var b strings.Builder
	stanza := func(name, source, version string) {
		fmt.Fprintf(&b, "Package: %s\nStatus: install ok installed\nArchitecture: amd64\nSource: %s\nVersion: %s\nDescription: %s\n\n", name, source, version, name)
	}
	stanza("libc6", "glibc", "2.36-9+deb12u1")
	stanza("libcurl4", "curl", "7.88.1-10+deb12u4")
	for i := range 150 {
		stanza(fmt.Sprintf("lib%03d", i), fmt.Sprintf("src%03d", i), "1.0-1")
	}
	return b.String()
}

func fixtureDB(ctx context.Context, dir string) *vulndb.DB {
	path := filepath.Join(dir, "vuln.db")
	if err := vulndbtest.Build(ctx, path); err != nil {
		log.Fatal(err)
	}
	db, err := vulndb.Open(ctx, path)
	if err != nil {
		log.Fatal(err)
	}
	return db
}

// freshSchema makes an empty schema for one run in the PostgreSQL database
// dsn names and returns a DSN selecting it.
func freshSchema(ctx context.Context, dsn, label string) string {
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		log.Fatal(err)
	}
	defer admin.Close()
	schema := fmt.Sprintf("scanqueue_%s_%d", label, time.Now().UnixNano())
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		log.Fatal(err)
	}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "search_path=" + schema
}
