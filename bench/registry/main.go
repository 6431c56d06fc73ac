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
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
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
	flag.IntVar(&c.images, "images", 16, "images per round")
	flag.IntVar(&c.layers, "layers", 4, "layers per image")
	flag.Int64Var(&c.layerSize, "layer-size", 4<<20, "bytes per layer")
	flag.IntVar(&c.concurrency, "concurrency", 4, "images pushed or pulled at once")
	flag.IntVar(&c.rounds, "rounds", 3, "rounds; the best of each is kept")
	flag.IntVar(&c.rate, "rate", 500, "manifest GETs per second in the latency test")
	flag.DurationVar(&c.latencyFor, "latency-duration", 10*time.Second, "length of the latency test")
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
	pushMBs, pullMBs float64
	p50, p99, max    time.Duration
	achievedRate     float64
	errors           int64
}

func run(c config) error {
	fmt.Printf("images %d × %d layers × %d bytes, concurrency %d, best of %d rounds; latency at %d req/s for %s\n",
		c.images, c.layers, c.layerSize, c.concurrency, c.rounds, c.rate, c.latencyFor)
	imgs := make([][]v1.Image, c.rounds)
	for r := range imgs {
		for range c.images {
			img, err := random.Image(c.layerSize, int64(c.layers))
			if err != nil {
				return err
			}
			imgs[r] = append(imgs[r], img)
		}
	}
	servers := []struct{ label, bin string }{{"drydock", c.drydock}, {"distribution", c.registry}}
	results := map[string]result{}
	for _, s := range servers {
		if s.bin == "" {
			continue
		}
		res, err := measure(c, s.label, s.bin, imgs)
		if err != nil {
			return fmt.Errorf("%s: %w", s.label, err)
		}
		results[s.label] = res
		fmt.Printf("%-13s push %8.1f MB/s   pull %8.1f MB/s   manifest GET p50 %-9s p99 %-9s max %-9s (%.0f req/s, %d errors)\n",
			s.label, res.pushMBs, res.pullMBs, res.p50, res.p99, res.max, res.achievedRate, res.errors)
	}
	d, ok1 := results["drydock"]
	r, ok2 := results["distribution"]
	if ok1 && ok2 {
		fmt.Printf("ratio drydock/distribution: push %.2f×, pull %.2f×, manifest p99 %.2f× (lower is better for latency)\n",
			d.pushMBs/r.pushMBs, d.pullMBs/r.pullMBs, float64(d.p99)/float64(r.p99))
	}
	return nil
}

func measure(c config, label, bin string, imgs [][]v1.Image) (result, error) {
	dir, err := os.MkdirTemp("", "registry-bench-")
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(dir)
	addr, err := freeAddr()
	if err != nil {
		return result{}, err
	}
	cmd, err := startServer(label, bin, addr, dir)
	if err != nil {
		return result{}, err
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	if err := waitUp("http://" + addr + "/v2/"); err != nil {
		return result{}, err
	}
	var res result
	total := float64(int64(c.images*c.layers) * c.layerSize)
	for round, set := range imgs {
		var refs []name.Reference
		start := time.Now()
		err := parallel(c.concurrency, len(set), func(i int) error {
			ref, err := name.NewTag(fmt.Sprintf("%s/bench/img%d:r%d", addr, i, round), name.Insecure)
			if err != nil {
				return err
			}
			return remote.Write(ref, set[i])
		})
		if err != nil {
			return res, fmt.Errorf("push: %w", err)
		}
		res.pushMBs = max(res.pushMBs, total/time.Since(start).Seconds()/1e6)
		for i := range set {
			ref, _ := name.NewTag(fmt.Sprintf("%s/bench/img%d:r%d", addr, i, round), name.Insecure)
			refs = append(refs, ref)
		}
		start = time.Now()
		if err := parallel(c.concurrency, len(refs), func(i int) error { return pull(refs[i]) }); err != nil {
			return res, fmt.Errorf("pull: %w", err)
		}
		res.pullMBs = max(res.pullMBs, total/time.Since(start).Seconds()/1e6)
	}
	lat, rate, errs := latency(fmt.Sprintf("http://%s/v2/bench/img0/manifests/r0", addr), c.rate, c.latencyFor)
	res.achievedRate, res.errors = rate, errs
	if len(lat) > 0 {
		res.p50, res.p99, res.max = lat[len(lat)/2], lat[len(lat)*99/100], lat[len(lat)-1]
	}
	return res, nil
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
// delay the next request) and returns the sorted latencies.
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
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
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
