package sbom

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/drydock/drydock/inventory"
)

// maxComponentDepth bounds how deeply nested components are followed; real
// SBOMs nest two or three levels, and a hostile one should not cost a stack.
const maxComponentDepth = 32

// readCycloneDX reads a CycloneDX JSON document of spec version 1.4 or later.
func readCycloneDX(data []byte, top map[string]json.RawMessage) (*inventory.Inventory, error) {
	var ver string
	if err := json.Unmarshal(top["specVersion"], &ver); err != nil {
		return nil, &InputError{Field: "specVersion", Err: fmt.Errorf("%w: not a string", ErrInvalid)}
	}
	if !cdxVersionOK(ver) {
		return nil, &InputError{Field: "specVersion", Err: fmt.Errorf("%w: CycloneDX %q (drydock reads 1.4 and later)", ErrUnsupportedVersion, ver)}
	}
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(data), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		return nil, &InputError{Err: fmt.Errorf("%w: %v", ErrInvalid, err)}
	}

	inv := &inventory.Inventory{Layers: []inventory.Layer{}, Packages: []inventory.Package{}}
	if bom.Metadata != nil && bom.Metadata.Component != nil {
		if err := readCDXImage(inv, bom.Metadata.Component); err != nil {
			return nil, &InputError{Field: "metadata.component", Err: err}
		}
	}
	if bom.Components != nil {
		if err := readCDXComponents(inv, *bom.Components, "components", 0); err != nil {
			return nil, err
		}
	}
	if err := checkLayers(inv); err != nil {
		return nil, &InputError{Field: "components", Err: err}
	}
	return inv, nil
}

// cdxVersionOK accepts "1.4" and every later 1.x; earlier versions lack the
// fields (properties, purl everywhere) drydock relies on.
func cdxVersionOK(v string) bool {
	major, minor, ok := strings.Cut(v, ".")
	if !ok || major != "1" {
		return false
	}
	n, err := strconv.Atoi(minor)
	return err == nil && n >= 4
}

func readCDXImage(inv *inventory.Inventory, c *cdx.Component) error {
	ours, err := applyImageProps(inv, cdxPropList(c.Properties))
	if err != nil {
		return err
	}
	if ours {
		return nil
	}
	// A foreign SBOM: the component names what the other tool was asked to
	// scan, and the digest is in its hashes, its purl or its version.
	if c.Hashes != nil {
		for _, h := range *c.Hashes {
			switch h.Algorithm {
			case cdx.HashAlgoSHA256:
				inv.Digest = "sha256:" + strings.ToLower(h.Value)
			case cdx.HashAlgoSHA512:
				setIfEmpty(&inv.Digest, "sha512:"+strings.ToLower(h.Value))
			}
		}
	}
	setForeignImage(inv, c.Name, c.Version, c.PackageURL)
	return nil
}

func readCDXComponents(inv *inventory.Inventory, comps []cdx.Component, path string, depth int) error {
	if depth >= maxComponentDepth {
		return &InputError{Field: path, Err: fmt.Errorf("%w: components nested deeper than %d", ErrInvalid, maxComponentDepth)}
	}
	for i := range comps {
		c := &comps[i]
		field := fmt.Sprintf("%s[%d]", path, i)
		if err := readCDXComponent(inv, c); err != nil {
			return &InputError{Field: field, Err: err}
		}
		if c.Components != nil {
			if err := readCDXComponents(inv, *c.Components, field+".components", depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// readCDXComponent adds what one component says: the operating system, or a
// package. Components that are neither (files, an application without a
// package URL) are not packages and are passed over.
func readCDXComponent(inv *inventory.Inventory, c *cdx.Component) error {
	ps := cdxPropList(c.Properties)
	if c.Type == cdx.ComponentTypeOS {
		os := &inventory.OS{ID: c.Name, VersionID: c.Version, PrettyName: c.Description}
		for _, kv := range ps {
			switch kv.name {
			case propOSCodename:
				os.Codename = kv.value
			case propOSPrettyName:
				os.PrettyName = kv.value
			}
		}
		inv.OS = os
		return nil
	}
	ours := hasProp(ps, propType)
	if !ours && c.PackageURL == "" {
		return nil
	}
	p := inventory.Package{Name: c.Name, Version: c.Version, PURL: c.PackageURL, Layer: -1}
	if ours {
		if err := applyPackageProps(&p, ps); err != nil {
			return err
		}
		p.Licenses = readCDXLicenses(c.Licenses)
		if p.PURL != "" {
			// Checked, not used: drydock's properties already say it all.
			if err := packageFromPURL(&inventory.Package{}, p.PURL); err != nil {
				return fmt.Errorf("purl: %w", err)
			}
		}
		inv.Packages = append(inv.Packages, p)
		return nil
	}
	// A foreign component: the purl is the authority on naming, so the
	// names derived from it replace the component's display name.
	p.Name, p.Version = "", ""
	if err := packageFromPURL(&p, c.PackageURL); err != nil {
		return fmt.Errorf("purl: %w", err)
	}
	setIfEmpty(&p.Version, c.Version)
	setIfEmpty(&p.Name, c.Name)
	p.Licenses = readCDXLicenses(c.Licenses)
	p.Path = foreignPath(ps)
	facts := foreignFacts{}
	for _, kv := range ps {
		facts.addProp(kv.name, kv.value)
	}
	facts.apply(&p)
	inv.Packages = append(inv.Packages, p)
	return nil
}

// foreignPath picks the file a package was found in from the properties the
// common scanners write (Syft's first location, Trivy's file path).
func foreignPath(ps []prop) string {
	for _, kv := range ps {
		switch kv.name {
		case "syft:location:0:path", "aquasecurity:trivy:FilePath":
			return strings.TrimPrefix(kv.value, "/")
		}
	}
	return ""
}

func cdxPropList(ps *[]cdx.Property) []prop {
	if ps == nil {
		return nil
	}
	out := make([]prop, len(*ps))
	for i, p := range *ps {
		out[i] = prop{p.Name, p.Value}
	}
	return out
}

func hasProp(ps []prop, name string) bool {
	for _, p := range ps {
		if p.name == name {
			return true
		}
	}
	return false
}
