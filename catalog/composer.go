package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path"

	"github.com/google/osv-scalibr/extractor"
	"github.com/google/osv-scalibr/extractor/filesystem"
	scalibrinv "github.com/google/osv-scalibr/inventory"
	scalibrplugin "github.com/google/osv-scalibr/plugin"
	"github.com/google/osv-scalibr/purl"
)

// composerInstalled reads vendor/composer/installed.json, Composer's record
// of the packages actually installed in a vendor directory. Images often
// ship the vendor directory without composer.lock, and scalibr (v0.5.3) has
// no extractor for this file, so this one is ours.
type composerInstalled struct{}

var _ filesystem.Extractor = composerInstalled{}

func (composerInstalled) Name() string { return "php/composerinstalled" }
func (composerInstalled) Version() int { return 0 }
func (composerInstalled) Requirements() *scalibrplugin.Capabilities {
	return &scalibrplugin.Capabilities{}
}

// FileRequired wants installed.json directly under a composer directory.
func (composerInstalled) FileRequired(api filesystem.FileAPI) bool {
	p := api.Path()
	return path.Base(p) == "installed.json" && path.Base(path.Dir(p)) == "composer"
}

type composerPackage struct {
	Name    string   `json:"name"`
	Version string   `json:"version"`
	License []string `json:"license"`
}

// Extract accepts both layouts: Composer 2 writes {"packages": [...]},
// Composer 1 a bare array.
func (c composerInstalled) Extract(_ context.Context, in *filesystem.ScanInput) (scalibrinv.Inventory, error) {
	data, err := io.ReadAll(in.Reader)
	if err != nil {
		return scalibrinv.Inventory{}, fmt.Errorf("%s: reading %s: %w", c.Name(), in.Path, err)
	}
	var pkgs []composerPackage
	if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 && trimmed[0] == '[' {
		err = json.Unmarshal(trimmed, &pkgs)
	} else {
		var v2 struct {
			Packages []composerPackage `json:"packages"`
		}
		err = json.Unmarshal(trimmed, &v2)
		pkgs = v2.Packages
	}
	if err != nil {
		return scalibrinv.Inventory{}, fmt.Errorf("%s: parsing %s: %w", c.Name(), in.Path, err)
	}
	var out scalibrinv.Inventory
	for _, p := range pkgs {
		if p.Name == "" || p.Version == "" {
			continue
		}
		out.Packages = append(out.Packages, &extractor.Package{
			Name:     p.Name,
			Version:  p.Version,
			PURLType: purl.TypeComposer,
			Licenses: p.License,
			Location: extractor.LocationFromPath(in.Path),
		})
	}
	return out, nil
}
