package sbom

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/drydock/drydock/inventory"
)

// CycloneDX property names drydock writes (docs/json-format.md lists them).
// SPDX carries the same facts in a compact package comment instead
// (spdx_comment.go).
const (
	propType          = "drydock:package:type"
	propEcosystem     = "drydock:ecosystem"
	propSourceName    = "drydock:source:name"
	propSourceVersion = "drydock:source:version"
	propArch          = "drydock:arch"
	propPath          = "drydock:path"
	propOwner         = "drydock:owner"
	// propLocation is repeated, once per file declaring the package, when
	// more than one does (inventory.Package.Locations).
	propLocation       = "drydock:location"
	propLayerIndex     = "drydock:layer:index"
	propLayerDiffID    = "drydock:layer:diffID"
	propLayerCreatedBy = "drydock:layer:createdBy"

	propImageSource       = "drydock:image:source"
	propImageName         = "drydock:image:name"
	propImageDigest       = "drydock:image:digest"
	propImageConfigDigest = "drydock:image:configDigest"
	propImagePlatform     = "drydock:image:platform"
	propImageCreated      = "drydock:image:created"
	// propImageLayer is repeated, once per layer bottom first; its value is
	// the layer as drydock's JSON encodes it.
	propImageLayer = "drydock:image:layer"
	propWarning    = "drydock:warning"

	propOSCodename   = "drydock:os:codename"
	propOSPrettyName = "drydock:os:prettyName"
)

// prop is one name/value pair, in the order written.
type prop struct{ name, value string }

// packageFact is one string fact about a package that neither SBOM format
// has a field for: CycloneDX carries it as the property prop, SPDX as
// key=value in the package comment. Writers and readers of both formats go
// through packageFacts, in this order, so the two cannot drift apart.
type packageFact struct {
	prop, key string
	// always writes the fact even when empty (the type says how to read the rest).
	always bool
	field  func(*inventory.Package) *string
}

var packageFacts = []packageFact{
	{prop: propType, key: keyType, always: true, field: func(p *inventory.Package) *string { return &p.Type }},
	{prop: propEcosystem, key: keyEcosystem, field: func(p *inventory.Package) *string { return &p.Ecosystem }},
	{prop: propSourceName, key: keySourceName, field: func(p *inventory.Package) *string { return &p.SourceName }},
	{prop: propSourceVersion, key: keySourceVersion, field: func(p *inventory.Package) *string { return &p.SourceVersion }},
	{prop: propArch, key: keyArch, field: func(p *inventory.Package) *string { return &p.Arch }},
	{prop: propPath, key: keyPath, field: func(p *inventory.Package) *string { return &p.Path }},
	{prop: propOwner, key: keyOwner, field: func(p *inventory.Package) *string { return &p.Owner }},
}

// factFor returns the fact whose name (as nameOf gives it) is name, or nil.
func factFor(name string, nameOf func(packageFact) string) *packageFact {
	for i := range packageFacts {
		if nameOf(packageFacts[i]) == name {
			return &packageFacts[i]
		}
	}
	return nil
}

// packageProps returns the drydock facts about p that neither format has a
// field for, as CycloneDX properties. Empty values are left out; the layer index is always there
// because -1 (unknown) is a fact too.
func packageProps(inv *inventory.Inventory, p *inventory.Package) []prop {
	var ps []prop
	for _, f := range packageFacts {
		if v := *f.field(p); v != "" || f.always {
			ps = append(ps, prop{f.prop, v})
		}
	}
	for _, l := range p.Locations {
		ps = append(ps, prop{propLocation, l})
	}
	ps = append(ps, prop{propLayerIndex, strconv.Itoa(p.Layer)})
	if l := inv.LayerOf(p); l != nil {
		for _, kv := range []prop{{propLayerDiffID, l.DiffID}, {propLayerCreatedBy, l.CreatedBy}} {
			if kv.value != "" {
				ps = append(ps, kv)
			}
		}
	}
	return ps
}

// applyPackageProps sets the fields of p that packageProps wrote. The layer
// diffID and build step are not read back: they are copies of the layer list.
func applyPackageProps(p *inventory.Package, ps []prop) error {
	for _, kv := range ps {
		if f := factFor(kv.name, func(f packageFact) string { return f.prop }); f != nil {
			*f.field(p) = kv.value
			continue
		}
		if kv.name == propLocation {
			p.Locations = append(p.Locations, kv.value)
			continue
		}
		if kv.name == propLayerIndex {
			n, err := strconv.Atoi(kv.value)
			if err != nil || n < -1 {
				return fmt.Errorf("%w: %s %q is not a layer index", ErrInvalid, propLayerIndex, kv.value)
			}
			p.Layer = n
		}
	}
	return nil
}

// imageProps returns what the image component or package carries beyond its
// name, version and checksum.
func imageProps(inv *inventory.Inventory) ([]prop, error) {
	var ps []prop
	add := func(name, value string) {
		if value != "" {
			ps = append(ps, prop{name, value})
		}
	}
	add(propImageSource, inv.Source)
	add(propImageName, inv.Name)
	add(propImageDigest, inv.Digest)
	add(propImageConfigDigest, inv.ConfigDigest)
	add(propImagePlatform, inv.Platform)
	if inv.Created != nil {
		add(propImageCreated, inv.Created.UTC().Format(time.RFC3339Nano))
	}
	for _, l := range inv.Layers {
		// Build steps are full of "&&" and "<"; leave them readable.
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(l); err != nil {
			return nil, fmt.Errorf("sbom: encoding layer %d: %w", l.Index, err)
		}
		ps = append(ps, prop{propImageLayer, strings.TrimSuffix(b.String(), "\n")})
	}
	for _, w := range inv.Warnings {
		ps = append(ps, prop{propWarning, w})
	}
	return ps, nil
}

// applyImageProps sets the inventory fields imageProps wrote and reports
// whether any drydock property was there (a document drydock wrote).
func applyImageProps(inv *inventory.Inventory, ps []prop) (bool, error) {
	seen := false
	for _, kv := range ps {
		switch kv.name {
		case propImageSource:
			inv.Source = kv.value
		case propImageName:
			inv.Name = kv.value
		case propImageDigest:
			inv.Digest = kv.value
		case propImageConfigDigest:
			inv.ConfigDigest = kv.value
		case propImagePlatform:
			inv.Platform = kv.value
		case propImageCreated:
			t, err := time.Parse(time.RFC3339Nano, kv.value)
			if err != nil {
				return seen, fmt.Errorf("%w: %s %q is not an RFC 3339 time", ErrInvalid, propImageCreated, kv.value)
			}
			inv.Created = &t
		case propImageLayer:
			var l inventory.Layer
			if err := json.Unmarshal([]byte(kv.value), &l); err != nil {
				return seen, fmt.Errorf("%w: %s: %v", ErrInvalid, propImageLayer, err)
			}
			if l.Index != len(inv.Layers) {
				return seen, fmt.Errorf("%w: %s: layer %d out of order (want %d)", ErrInvalid, propImageLayer, l.Index, len(inv.Layers))
			}
			inv.Layers = append(inv.Layers, l)
		case propWarning:
			inv.Warnings = append(inv.Warnings, kv.value)
		default:
			continue
		}
		seen = true
	}
	return seen, nil
}

// checkLayers verifies that every package's layer index names a layer that
// is there, so that later stages can index inv.Layers without a check.
func checkLayers(inv *inventory.Inventory) error {
	for i, p := range inv.Packages {
		if p.Layer < -1 || p.Layer >= len(inv.Layers) {
			return fmt.Errorf("%w: package %d (%s) names layer %d of %d", ErrInvalid, i, p.Name, p.Layer, len(inv.Layers))
		}
	}
	return nil
}
