// Command quarantine-bench measures what the quarantine check costs a
// manifest GET: two in-process registries over one store, one with the
// open gate and one with enforce's Gate in front of a namespace that
// enforces (the image's verdict passes, so every GET is served, the common
// case), each sent -rate GETs per second for -duration, in alternating
// rounds so that load from elsewhere falls on both alike. It prints p50,
// p99 and their difference.
//
//	go run ./bench/quarantine -rate 500 -duration 10s -rounds 3
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/crane"
	"github.com/google/go-containerregistry/pkg/v1/random"

	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/blobstore"
	"github.com/drydock/drydock/enforce"
	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/registry"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/verdict"
)

func main() {
	rate := flag.Int("rate", 500, "manifest GETs per second")
	duration := flag.Duration("duration", 10*time.Second, "length of each round per registry")
	rounds := flag.Int("rounds", 3, "alternating rounds")
	flag.Parse()
	ctx := context.Background()
	work, err := os.MkdirTemp("", "quarantine-bench-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(work)
	st, err := store.Open(ctx, filepath.Join(work, "drydock.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	blobs, err := blobstore.NewFilesystem(filepath.Join(work, "blobs"))
	if err != nil {
		log.Fatal(err)
	}
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
	gate, err := enforce.NewGate(settings, enforce.NewStoredResults(st, nil), st)
	if err != nil {
		log.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	serve := func(g registry.Gate) *httptest.Server {
		rg, err := registry.New(st, blobs, registry.WithAnonymousAccess(), registry.WithGate(g), registry.WithLogger(quiet))
		if err != nil {
			log.Fatal(err)
		}
		return httptest.NewServer(rg)
	}
	open, enforced := serve(registry.OpenGate{}), serve(gate)
	defer open.Close()
	defer enforced.Close()

	// One image, pushed once, with a passing verdict and its SBOM stored as
	// the scanner stores them.
	img, err := random.Image(1024, 3)
	if err != nil {
		log.Fatal(err)
	}
	host := enforced.Listener.Addr().String()
	if err := crane.Push(img, host+"/prod/app:1", crane.Insecure); err != nil {
		log.Fatal(err)
	}
	d, _ := img.Digest()
	vs := verdict.New(st)
	inv := &inventory.Inventory{Digest: d.String(), Packages: []inventory.Package{{Name: "busybox", Version: "1.36.1-r2", Type: inventory.TypeAPK, Ecosystem: "Alpine:v3.19"}}}
	if err := vs.PutSBOM(ctx, d.String(), inv); err != nil {
		log.Fatal(err)
	}
	if _, err := vs.Put(ctx, &store.Verdict{Namespace: "prod", Digest: d.String(), Status: store.VerdictPass, ScannedAt: time.Now()}); err != nil {
		log.Fatal(err)
	}

	// The gate is in the path: an image without a verdict is refused.
	other, _ := random.Image(512, 1)
	if err := crane.Push(other, host+"/prod/app:unscanned", crane.Insecure); err != nil {
		log.Fatal(err)
	}
	if _, err := crane.Head(host+"/prod/app:unscanned", crane.Insecure); err == nil {
		log.Fatal("an image without a verdict was served: the gate is not in the path")
	}

	var openLat, enfLat []time.Duration
	for r := range *rounds {
		openLat = append(openLat, load(open.URL, *rate, *duration)...)
		enfLat = append(enfLat, load(enforced.URL, *rate, *duration)...)
		log.Printf("round %d done", r+1)
	}
	po50, po99 := pct(openLat, 50), pct(openLat, 99)
	pe50, pe99 := pct(enfLat, 50), pct(enfLat, 99)
	fmt.Printf("manifest GET at %d/s, %d x %s per registry\n", *rate, *rounds, *duration)
	fmt.Printf("| gate | requests | p50 | p99 |\n|---|---|---|---|\n")
	fmt.Printf("| open (not enforcing) | %d | %s | %s |\n", len(openLat), po50, po99)
	fmt.Printf("| quarantine (enforcing, cached pass) | %d | %s | %s |\n", len(enfLat), pe50, pe99)
	fmt.Printf("p99 difference: %s (goal: under 1 ms)\n", pe99-po99)
}

// load sends GETs of the manifest at rate per second for d, open loop (a
// slow answer does not delay the next request), and returns each latency.
func load(base string, rate int, d time.Duration) []time.Duration {
	url := base + "/v2/prod/app/manifests/1"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		<-tick.C
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodGet, url, nil)
			req.Header.Set("Accept", "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json")
			start := time.Now()
			resp, err := client.Do(req)
			if err != nil {
				log.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				log.Fatalf("GET %s: %s", url, resp.Status)
			}
			mu.Lock()
			lat = append(lat, time.Since(start))
			mu.Unlock()
		})
	}
	wg.Wait()
	return lat
}

func pct(lat []time.Duration, p int) time.Duration {
	s := slices.Clone(lat)
	slices.Sort(s)
	return s[(len(s)-1)*p/100].Round(10 * time.Microsecond)
}
