// Package catalog finds every package in an image — OS packages (dpkg, apk,
// rpm) and language packages (Go binaries, npm, Python, Java archives, Rust
// cargo-auditable binaries, Ruby, PHP, .NET) — and names the layer, and so
// the build step, that introduced each one. Each layer is streamed once and
// only the files the extractors (osv-scalibr's, and drydock's own for Go
// binaries and Composer) ask for are read; what a layer holds is cached on
// disk by its DiffID, so an image that shares base layers with one already
// cataloged costs only its new layers. The layers are then merged with
// overlay semantics into the final filesystem, whose os-release qualifies
// the OS packages, and files that an OS package owns are reported once, as
// that package, except what a binary embeds (the Go toolchain and modules,
// Rust crates), which is reported with the OS package as its owner.
package catalog

import (
	"context"
	"fmt"
	"sync"

	"github.com/drydock/drydock/image"
	"github.com/drydock/drydock/inventory"
)

// Catalog lists the packages in img with the layer that introduced each.
// Input that cannot be cataloged but leaves the rest of the image readable
// (a corrupt lockfile, a file over the size limit) becomes a warning in
// Inventory.Warnings; an entry that climbs out of the image root becomes an
// integrity finding in Inventory.Integrity, for the policy to judge; a layer
// that cannot be read is an error naming it.
func Catalog(ctx context.Context, img image.Image, opts ...Option) (*inventory.Inventory, error) {
	o := defaults()
	for _, opt := range opts {
		if err := opt(o); err != nil {
			return nil, err
		}
	}
	var cache *layerCache
	if !o.noCache {
		dir, err := o.cacheDirOrDefault()
		if err != nil {
			return nil, err
		}
		cache = &layerCache{dir: dir, maxFileSize: o.maxFileSize}
	}
	routeScalibrLogs()
	plugins, err := newPlugins()
	if err != nil {
		return nil, err
	}

	layers := img.Layers()
	results, err := scanLayers(ctx, layers, plugins, o, cache)
	if err != nil {
		return nil, err
	}

	inv := &inventory.Inventory{
		Source:       img.Source(),
		Name:         img.Name(),
		Digest:       img.Digest(),
		ConfigDigest: img.ConfigDigest(),
		Platform:     img.Platform(),
		Layers:       make([]inventory.Layer, len(layers)),
	}
	if t := img.Created(); !t.IsZero() {
		inv.Created = &t
	}
	for i, l := range layers {
		inv.Layers[i] = inventory.Layer{Index: i, DiffID: l.DiffID(), Digest: l.Digest(), Size: l.Size(), CreatedBy: l.CreatedBy()}
		for _, w := range results[i].Warnings {
			inv.Warnings = append(inv.Warnings, fmt.Sprintf("layer %d (%s): %s", i, l.DiffID(), w))
		}
		for _, e := range results[i].Escapes {
			inv.Integrity = append(inv.Integrity, inventory.IntegrityFinding{Layer: i, Entry: e.Entry, Reason: e.Reason})
		}
	}
	v := mergeLayers(results)
	d := v.distro()
	inv.OS = d.os()
	inv.Packages = v.packages(d)
	if inv.Packages == nil {
		inv.Packages = []inventory.Package{}
	}
	return inv, nil
}

// scanLayers returns every layer's result, from the cache where it holds
// one, reading up to o.concurrency layers at a time otherwise: layers are
// independent, and decompressing them is the bulk of the work.
func scanLayers(ctx context.Context, layers []image.Layer, plugins []plugin, o *options, cache *layerCache) ([]*layerResult, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make([]*layerResult, len(layers))
	var (
		mu    sync.Mutex
		first error // the failing layer's own error, not the cancellations it causes
	)
	fail := func(err error) {
		mu.Lock()
		if first == nil {
			first = err
		}
		mu.Unlock()
		cancel()
	}
	sem := make(chan struct{}, o.concurrency)
	var wg sync.WaitGroup
	for i, l := range layers {
		if r := cache.load(l.DiffID()); r != nil {
			results[i] = r
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				fail(ctx.Err())
				return
			}
			defer func() { <-sem }()
			s := &layerScanner{plugins: plugins, o: o}
			r, err := s.scan(ctx, l)
			if err != nil {
				fail(err)
				return
			}
			results[i] = r
			if err := cache.store(l.DiffID(), r); err != nil {
				// The catalog is still right; only the next one is slower.
				r.Warnings = append(r.Warnings, err.Error())
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return nil, first
	}
	return results, nil
}
