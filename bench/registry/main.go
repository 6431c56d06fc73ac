// Command registry-bench measures drydock's registry against the CNCF
// distribution registry with the same client (go-containerregistry) and the
// same generated images: push and pull throughput, and manifest GET latency
// at a fixed request rate. It prints each number and drydock's ratio.
//
//	go run ./bench/registry --drydock /path/to/drydock --registry /path/to/registry
//
// bench/registry/run.sh builds and installs both and runs it.
package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

type config struct {
	drydock, registry   string
	images, layers      int
	layerSize           int64
	concurrency, rounds int
	rate                int
	latencyFor          time.Duration
}

func main() {
	var c config
	flag.StringVar(&c.drydock, "drydock", "", "drydock binary (required)")
	flag.StringVar(&c.registry, "registry", "", "CNCF registry binary (optional: without it only drydock is measured)")
	flag.IntVar(&c.images, "images", 8, "images per round")
	flag.IntVar(&c.layers, "layers", 4, "layers per image")
	flag.Int64Var(&c.layerSize, "layer-size", 2<<20, "bytes per layer")
	flag.IntVar(&c.concurrency, "concurrency", 4, "images pushed or pulled at once")
	flag.IntVar(&c.rounds, "rounds", 5, "rounds; the median is reported")
	flag.IntVar(&c.rate, "rate", 500, "manifest GETs per second in the latency test")
	flag.DurationVar(&c.latencyFor, "latency-duration", 10*time.Second, "length of the latency test per registry")
	flag.Parse()
	if c.drydock == "" {
		fmt.Fprintln(os.Stderr, "registry-bench: --drydock is required")
		os.Exit(2)
	}
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "registry-bench:", err)
		os.Exit(1)
	}
}

type result struct {
	push, pull   []float64 // MB/s per round
	lat          []time.Duration
	achievedRate float64
	errors       int64
}

// target is one registry under test.
type target struct {
	label, addr string
	res         result
}

func run(c config) error {
	fmt.Printf("images %d × %d layers × %d bytes, concurrency %d, %d rounds; latency at %d req/s for %s per registry\n",
		c.images, c.layers, c.layerSize, c.concurrency, c.rounds, c.rate, c.latencyFor)
	var targets []*target
	for _, s := range []struct{ label, bin string }{{"drydock", c.drydock}, {"distribution", c.registry}} {
		if s.bin == "" {
			continue
		}
		dir, err := os.MkdirTemp("", "registry-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		addr, err := freeAddr()
		if err != nil {
			return err
		}
		cmd, err := startServer(s.label, s.bin, addr, dir)
		if err != nil {
			return fmt.Errorf("%s: %w", s.label, err)
		}
		defer func() { cmd.Process.Kill(); cmd.Wait() }()
		if err := waitUp("http://" + addr + "/v2/"); err != nil {
			return err
		}
		targets = append(targets, &target{label: s.label, addr: addr})
	}
	// The machine is shared, so the registries take turns within every
	// round (in alternating order): a busy moment hurts both, not one.
	total := float64(int64(c.images*c.layers) * c.layerSize)
	for round := range c.rounds {
		set, err := makeImages(c)
		if err != nil {
			return err
		}
		order := slices.Clone(targets)
		if round%2 == 1 {
			slices.Reverse(order)
		}
		for _, t := range order {
			ref := func(i int) name.Reference {
				r, _ := name.NewTag(fmt.Sprintf("%s/bench/img%d:r%d", t.addr, i, round), name.Insecure)
				return r
			}
			start := time.Now()
			if err := parallel(c.concurrency, len(set), func(i int) error { return remote.Write(ref(i), set[i]) }); err != nil {
				return fmt.Errorf("%s push: %w", t.label, err)
			}
			t.res.push = append(t.res.push, total/time.Since(start).Seconds()/1e6)
			start = time.Now()
			if err := parallel(c.concurrency, len(set), func(i int) error { return pull(ref(i)) }); err != nil {
				return fmt.Errorf("%s pull: %w", t.label, err)
			}
			t.res.pull = append(t.res.pull, total/time.Since(start).Seconds()/1e6)
		}
	}
	// Latency in alternating slices too.
	const turns = 5
	for i := range turns * len(targets) {
		t := targets[i%len(targets)]
		lat, rate, errs := latency(fmt.Sprintf("http://%s/v2/bench/img0/manifests/r0", t.addr), c.rate, c.latencyFor/turns)
		t.res.lat = append(t.res.lat, lat...)
		t.res.achievedRate += rate / turns
		t.res.errors += errs
	}
	byLabel := map[string]*result{}
	for _, t := range targets {
		r := &t.res
		sort.Slice(r.lat, func(i, j int) bool { return r.lat[i] < r.lat[j] })
		byLabel[t.label] = r
		fmt.Printf("%-13s push %8.1f MB/s   pull %8.1f MB/s   (medians of %d rounds)   manifest GET p50 %-9s p99 %-9s (%.0f req/s, %d errors)\n",
			t.label, median(r.push), median(r.pull), c.rounds, pct(r.lat, 50), pct(r.lat, 99), r.achievedRate, r.errors)
	}
	d, r := byLabel["drydock"], byLabel["distribution"]
	if d != nil && r != nil {
		fmt.Printf("ratio drydock/distribution: push %.2f×, pull %.2f×, manifest GET p99 %.2f× (for latency lower is better)\n",
			median(d.push)/median(r.push), median(d.pull)/median(r.pull), float64(pct(d.lat, 99))/float64(pct(r.lat, 99)))
	}
	return nil
}

// makeImages builds images from random, incompressible bytes held in
// memory, so that pushing them costs the client no compression work.
func makeImages(c config) ([]v1.Image, error) {
	var set []v1.Image
	for range c.images {
		var layers []v1.Layer
		for range c.layers {
			b := make([]byte, c.layerSize)
			if _, err := rand.Read(b); err != nil {
				return nil, err
			}
			layers = append(layers, static.NewLayer(b, types.OCILayer))
		}
		img, err := mutate.AppendLayers(empty.Image, layers...)
		if err != nil {
			return nil, err
		}
		set = append(set, img)
	}
	return set, nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

func pct(lat []time.Duration, p int) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	return lat[min(len(lat)*p/100, len(lat)-1)]
}

func startServer(label, bin, addr, dir string) (*exec.Cmd, error) {
	var cmd *exec.Cmd
	switch label {
	case "drydock":
		// Anonymous on both sides: the CNCF registry runs without auth by
		// default, and the comparison is about storage paths, not tokens.
		cmd = exec.Command(bin, "serve", "--addr", addr, "--data", filepath.Join(dir, "data"), "--anonymous")
	default:
		cfg := filepath.Join(dir, "config.yml")
		body := fmt.Sprintf("version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\nhttp:\n  addr: %s\n", filepath.Join(dir, "data"), addr)
		if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
			return nil, err
		}
		cmd = exec.Command(bin, "serve", cfg)
	}
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	return cmd, cmd.Start()
}

func pull(ref name.Reference) error {
	img, err := remote.Image(ref)
	if err != nil {
		return err
	}
	layers, err := img.Layers()
	if err != nil {
		return err
	}
	for _, l := range layers {
		rc, err := l.Compressed()
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, rc) // verifies the digest at EOF
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// latency sends GETs at a fixed rate (open loop: a slow answer does not
// delay the next request) and returns the latencies.
func latency(url string, rate int, d time.Duration) ([]time.Duration, float64, int64) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}, Timeout: 10 * time.Second}
	var mu sync.Mutex
	var lat []time.Duration
	var errs atomic.Int64
	var wg sync.WaitGroup
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	start := time.Now()
	sent := 0
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-tick.C:
			sent++
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest(http.MethodGet, url, nil)
				req.Header.Set("Accept", "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json")
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					errs.Add(1)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				el := time.Since(t0)
				if resp.StatusCode != http.StatusOK {
					errs.Add(1)
					return
				}
				mu.Lock()
				lat = append(lat, el)
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	return lat, float64(sent) / time.Since(start).Seconds(), errs.Load()
}

func parallel(workers, n int, fn func(i int) error) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	return <-errc
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return "127.0.0.1:" + strconv.Itoa(l.Addr().(*net.TCPAddr).Port), nil
}

func waitUp(url string) error {
	for range 200 {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("%s did not come up", url)
}
