package sbom

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx"
	"github.com/spdx/tools-golang/spdx/v2/common"

	"github.com/drydock/drydock/inventory"
)

// readSPDX reads an SPDX 2.x JSON document (2.1 and 2.2 are converted to 2.3
// by tools-golang).
func readSPDX(data []byte, top map[string]json.RawMessage) (*inventory.Inventory, error) {
	var ver string
	if err := json.Unmarshal(top["spdxVersion"], &ver); err != nil {
		return nil, &InputError{Field: "spdxVersion", Err: fmt.Errorf("%w: not a string", ErrInvalid)}
	}
	if ver != "SPDX-2.1" && ver != "SPDX-2.2" && ver != "SPDX-2.3" {
		return nil, &InputError{Field: "spdxVersion", Err: fmt.Errorf("%w: %q (drydock reads SPDX-2.1 to SPDX-2.3 JSON)", ErrUnsupportedVersion, ver)}
	}
	doc, err := decodeSPDX(ver, data)
	if err != nil {
		return nil, &InputError{Err: fmt.Errorf("%w: %v", ErrInvalid, err)}
	}

	inv := &inventory.Inventory{Source: doc.DocumentName, Layers: []inventory.Layer{}, Packages: []inventory.Package{}}
	described := map[common.ElementID]bool{}
	for _, r := range doc.Relationships {
		if r == nil {
			continue
		}
		switch {
		case r.Relationship == common.TypeRelationshipDescribe && r.RefA.ElementRefID == "DOCUMENT":
			described[r.RefB.ElementRefID] = true
		case r.Relationship == common.TypeRelationshipDescribeBy && r.RefB.ElementRefID == "DOCUMENT":
			described[r.RefA.ElementRefID] = true
		}
	}

	for i, p := range doc.Packages {
		if p == nil {
			continue
		}
		field := fmt.Sprintf("packages[%d]", i)
		ps, err := spdxPropList(p.Annotations)
		if err != nil {
			return nil, &InputError{Field: field + ".annotations", Err: err}
		}
		switch {
		case described[p.PackageSPDXIdentifier] && isSPDXImage(p):
			if err := readSPDXImage(inv, p, ps); err != nil {
				return nil, &InputError{Field: field, Err: err}
			}
		case isSPDXOS(p):
			os := &inventory.OS{ID: p.PackageName, VersionID: p.PackageVersion, PrettyName: p.PackageDescription}
			for _, kv := range ps {
				switch kv.name {
				case propOSCodename:
					os.Codename = kv.value
				case propOSPrettyName:
					os.PrettyName = kv.value
				}
			}
			inv.OS = os
		default:
			if err := readSPDXPackage(inv, p, ps); err != nil {
				return nil, &InputError{Field: field, Err: err}
			}
		}
	}
	if err := checkLayers(inv); err != nil {
		return nil, &InputError{Field: "packages", Err: err}
	}
	return inv, nil
}

// decodeSPDX decodes 2.3 straight into its model; tools-golang's generic
// reader parses the whole document once more to find the version, which
// for large SBOMs costs a third of the read. Older versions go through it
// for its conversion to 2.3.
func decodeSPDX(ver string, data []byte) (*spdx.Document, error) {
	if ver == spdx.Version {
		var doc spdx.Document
		if err := json.Unmarshal(data, &doc); err != nil {
			return nil, err
		}
		return &doc, nil
	}
	return spdxjson.Read(bytes.NewReader(data))
}

// isSPDXImage says whether a described package is the image rather than,
// say, the one application a source-tree SBOM describes.
func isSPDXImage(p *spdx.Package) bool {
	if p.PrimaryPackagePurpose == "CONTAINER" {
		return true
	}
	for _, r := range p.PackageExternalReferences {
		if r != nil && r.RefType == "purl" && strings.HasPrefix(r.Locator, "pkg:oci/") {
			return true
		}
	}
	return false
}

func isSPDXOS(p *spdx.Package) bool {
	// SPDX 2.3 spells it OPERATING_SYSTEM; some tools write a hyphen.
	return p.PrimaryPackagePurpose == "OPERATING_SYSTEM" || p.PrimaryPackagePurpose == "OPERATING-SYSTEM"
}

func readSPDXImage(inv *inventory.Inventory, p *spdx.Package, ps []prop) error {
	ours, err := applyImageProps(inv, ps)
	if err != nil || ours {
		return err
	}
	for _, c := range p.PackageChecksums {
		switch c.Algorithm {
		case spdx.SHA256:
			inv.Digest = "sha256:" + strings.ToLower(c.Value)
		case spdx.SHA512:
			setIfEmpty(&inv.Digest, "sha512:"+strings.ToLower(c.Value))
		}
	}
	purl := ""
	for _, r := range p.PackageExternalReferences {
		if r != nil && r.RefType == "purl" {
			purl = r.Locator
		}
	}
	setForeignImage(inv, p.PackageName, p.PackageVersion, purl)
	return nil
}

func readSPDXPackage(inv *inventory.Inventory, sp *spdx.Package, ps []prop) error {
	purl := ""
	for _, r := range sp.PackageExternalReferences {
		if r != nil && r.RefType == "purl" {
			purl = r.Locator
			break
		}
	}
	ours := hasProp(ps, propType)
	if !ours && purl == "" {
		// Not a package drydock can name: a file, a source tree, the
		// described application of a source SBOM.
		return nil
	}
	p := inventory.Package{Name: sp.PackageName, Version: sp.PackageVersion, PURL: purl, Layer: -1}
	if ours {
		if err := applyPackageProps(&p, ps); err != nil {
			return err
		}
		if purl != "" {
			if err := packageFromPURL(&inventory.Package{}, purl); err != nil {
				return fmt.Errorf("externalRefs purl: %w", err)
			}
		}
		inv.Packages = append(inv.Packages, p)
		return nil
	}
	p.Name, p.Version = "", ""
	if err := packageFromPURL(&p, purl); err != nil {
		return fmt.Errorf("externalRefs purl: %w", err)
	}
	setIfEmpty(&p.Version, sp.PackageVersion)
	setIfEmpty(&p.Name, sp.PackageName)
	if l := spdxForeignLicense(sp); l != "" {
		p.Licenses = []string{l}
	}
	inv.Packages = append(inv.Packages, p)
	return nil
}

// spdxForeignLicense is the one license expression a foreign package states:
// the declared one, else the concluded one; NONE and NOASSERTION say nothing.
func spdxForeignLicense(p *spdx.Package) string {
	for _, l := range []string{p.PackageLicenseDeclared, p.PackageLicenseConcluded} {
		if l != "" && l != noAssertion && l != "NONE" {
			return l
		}
	}
	return ""
}

// spdxPropList returns the drydock annotations of a package as properties;
// annotations by anyone else are left alone.
func spdxPropList(as []spdx.Annotation) ([]prop, error) {
	var out []prop
	for _, a := range as {
		if !strings.HasPrefix(a.AnnotationComment, "drydock:") {
			continue
		}
		name, value, ok := strings.Cut(a.AnnotationComment, "=")
		if !ok {
			return nil, fmt.Errorf("%w: annotation %q is not drydock:NAME=VALUE", ErrInvalid, a.AnnotationComment)
		}
		out = append(out, prop{name, value})
	}
	return out, nil
}
