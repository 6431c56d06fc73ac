// Command scan measures drydock's catalog on a generated image of about
// 500 MB: the time merely to decompress its layers, a cold catalog, and a
// warm catalog of a second image that shares the base layers, with the
// ratios between them and the peak resident memory.
//
// The image is generated first (an OCI layout in a temporary folder); the
// measurements then run in a child process, so that the peak memory they
// report is the catalog's and not the generator's.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"

	"github.com/drydock/drydock/catalog"
	"github.com/drydock/drydock/image"
)

func main() {
	dir := flag.String("dir", "", "work folder (default: a new temporary folder, removed afterwards)")
	scale := flag.Float64("scale", 1, "image size as a fraction of 500 MB")
	child := flag.Bool("measure", false, "measure an image already generated in -dir (used by the parent)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the cold catalog to this file")
	flag.Parse()

	if *child {
		if err := measure(*dir, *cpuprofile); err != nil {
			fmt.Fprintln(os.Stderr, "scan:", err)
			os.Exit(1)
		}
		return
	}
	if err := parent(*dir, *scale, *cpuprofile); err != nil {
		fmt.Fprintln(os.Stderr, "scan:", err)
		os.Exit(1)
	}
}

func parent(dir string, scale float64, cpuprofile string) error {
	if dir == "" {
		tmp, err := os.MkdirTemp("", "drydock-bench-scan-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	start := time.Now()
	if err := generate(dir, scale); err != nil {
		return fmt.Errorf("generating: %w", err)
	}
	fmt.Printf("generated in %s: %s\n", time.Since(start).Round(time.Millisecond), dir)
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(exe, "-measure", "-dir", dir, "-cpuprofile", cpuprofile)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	return cmd.Run()
}

func openImages(dir string) (a, b v1.Image, err error) {
	idx, err := layout.ImageIndexFromPath(filepath.Join(dir, "oci"))
	if err != nil {
		return nil, nil, err
	}
	m, err := idx.IndexManifest()
	if err != nil {
		return nil, nil, err
	}
	if len(m.Manifests) != 2 {
		return nil, nil, fmt.Errorf("%s holds %d images, want 2", dir, len(m.Manifests))
	}
	if a, err = idx.Image(m.Manifests[0].Digest); err != nil {
		return nil, nil, err
	}
	b, err = idx.Image(m.Manifests[1].Digest)
	return a, b, err
}

// decompress reads every layer's uncompressed stream to the end, one layer
// after the other: the least any catalog must do.
func decompress(img v1.Image) (raw, stored int64, err error) {
	layers, err := img.Layers()
	if err != nil {
		return 0, 0, err
	}
	for _, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			return 0, 0, err
		}
		n, err := io.Copy(io.Discard, rc)
		rc.Close()
		if err != nil {
			return 0, 0, err
		}
		size, _ := l.Size()
		raw, stored = raw+n, stored+size
	}
	return raw, stored, nil
}

// cost is a phase's wall-clock time and the CPU time (user + system) the
// process spent in it. On a shared machine the CPU time is the steadier of
// the two: it does not grow when other processes take the cores.
type cost struct{ wall, cpu time.Duration }

func cpuNow() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func measured(f func() error) (cost, error) {
	w, c := time.Now(), cpuNow()
	err := f()
	return cost{time.Since(w), cpuNow() - c}, err
}

func (c cost) String() string {
	return fmt.Sprintf("wall %7s  cpu %7s", c.wall.Round(time.Millisecond), c.cpu.Round(time.Millisecond))
}

func ratio(a, b cost) string {
	return fmt.Sprintf("wall %.2f, cpu %.2f", a.wall.Seconds()/b.wall.Seconds(), a.cpu.Seconds()/b.cpu.Seconds())
}

func catalogOnce(img v1.Image, name string, opts ...catalog.Option) (cost, int, int, error) {
	im, err := image.FromV1(img, name)
	if err != nil {
		return cost{}, 0, 0, err
	}
	var pkgs, warns int
	c, err := measured(func() error {
		inv, err := catalog.Catalog(context.Background(), im, opts...)
		if err == nil {
			pkgs, warns = len(inv.Packages), len(inv.Warnings)
		}
		return err
	})
	return c, pkgs, warns, err
}

func measure(dir, cpuprofile string) error {
	a, b, err := openImages(dir)
	if err != nil {
		return err
	}
	var raw, stored int64
	dec, err := measured(func() (err error) {
		raw, stored, err = decompress(a)
		return err
	})
	if err != nil {
		return err
	}
	fmt.Printf("image A: %d MB uncompressed, %d MB stored; GOMAXPROCS %d\n", raw>>20, stored>>20, runtime.GOMAXPROCS(0))
	fmt.Printf("(a) decompress A's layers, one after another:  %s\n", dec)

	if cpuprofile != "" {
		f, err := os.Create(cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	cache, cacheSeq := filepath.Join(dir, "cache"), filepath.Join(dir, "cache-seq")
	for _, d := range []string{cache, cacheSeq} {
		if err := os.RemoveAll(d); err != nil { // a cold catalog starts from nothing
			return err
		}
	}
	cold, nA, wA, err := catalogOnce(a, "oci:A", catalog.WithCacheDir(cache))
	if cpuprofile != "" {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return err
	}
	fmt.Printf("(b) cold catalog of A (default concurrency):   %s  %d packages, %d warnings\n", cold, nA, wA)
	seq, _, _, err := catalogOnce(a, "oci:A", catalog.WithCacheDir(cacheSeq), catalog.WithConcurrency(1))
	if err != nil {
		return err
	}
	fmt.Printf("    cold catalog of A, one layer at a time:     %s\n", seq)
	warm, nB, wB, err := catalogOnce(b, "oci:B", catalog.WithCacheDir(cache))
	if err != nil {
		return err
	}
	fmt.Printf("(c) warm catalog of B (3 of 4 layers cached):  %s  %d packages, %d warnings\n", warm, nB, wB)

	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return err
	}
	fmt.Printf("cold/decompress: %s (target <= 1.3); one layer at a time: %s\n", ratio(cold, dec), ratio(seq, dec))
	fmt.Printf("warm/cold:       %s (target <= 0.2)\n", ratio(warm, cold))
	fmt.Printf("peak RSS:        %d MB (target < 256 MB)\n", ru.Maxrss>>10)
	return nil
}
