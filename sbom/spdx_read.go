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
		fields, ours, err := commentFields(p.PackageComment)
		if err != nil {
			return nil, &InputError{Field: field, Err: fmt.Errorf("comment: %w", err)}
		}
		switch {
		case described[p.PackageSPDXIdentifier] && isSPDXImage(p):
			err = readSPDXImage(inv, p, fields, ours)
		case isSPDXOS(p):
			err = readSPDXOS(inv, p, fields)
		default:
			err = readSPDXPackage(inv, p, fields, ours)
		}
		if err != nil {
			return nil, &InputError{Field: field, Err: err}
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
	if ver != spdx.Version {
		return spdxjson.Read(bytes.NewReader(data))
	}
	var d spdxDocument
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, err
	}
	doc := spdx.Document(d.plainDocument)
	doc.Packages = make([]*spdx.Package, len(d.Packages))
	for i, p := range d.Packages {
		doc.Packages[i] = (*spdx.Package)(p)
	}
	for _, id := range d.DocumentDescribes {
		doc.Relationships = append(doc.Relationships, &spdx.Relationship{
			RefA:         common.MakeDocElementID("", "DOCUMENT"),
			RefB:         id,
			Relationship: common.TypeRelationshipDescribe,
		})
	}
	return &doc, nil
}

// spdxDocument decodes a 2.3 document into tools-golang's types without
// their UnmarshalJSON methods, which decode the document and then every
// package twice over (to find documentDescribes, hasFiles and whether
// filesAnalyzed was given): half the time of a read. Every field is still
// decoded into the same types, so a document is refused for the same
// errors. What the methods added and drydock reads, the DESCRIBES
// relationships documentDescribes stands for, decodeSPDX adds.
type spdxDocument struct {
	plainDocument
	Packages          []*plainPackage       `json:"packages"`
	DocumentDescribes []common.DocElementID `json:"documentDescribes"`
}

type (
	plainDocument spdx.Document
	plainPackage  spdx.Package
)

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

func readSPDXImage(inv *inventory.Inventory, p *spdx.Package, fields []prop, ours bool) error {
	if ours {
		// drydock writes the digest, or nothing, as the version.
		inv.Digest = p.PackageVersion
		if err := applyImageComment(inv, fields); err != nil {
			return fmt.Errorf("comment: %w", err)
		}
		return nil
	}
	for _, c := range p.PackageChecksums {
		switch c.Algorithm {
		case spdx.SHA256:
			inv.Digest = "sha256:" + strings.ToLower(c.Value)
		case spdx.SHA512:
			setIfEmpty(&inv.Digest, "sha512:"+strings.ToLower(c.Value))
		}
	}
	setForeignImage(inv, p.PackageName, p.PackageVersion, spdxPURL(p))
	return nil
}

func readSPDXOS(inv *inventory.Inventory, p *spdx.Package, fields []prop) error {
	os := &inventory.OS{ID: p.PackageName, VersionID: p.PackageVersion, PrettyName: p.PackageDescription}
	for _, f := range fields {
		if f.name != keyCodename {
			return fmt.Errorf("comment: %w: unknown OS key %q", ErrInvalid, f.name)
		}
		v, err := unescapeValue(f.value)
		if err != nil {
			return fmt.Errorf("comment: %w", err)
		}
		os.Codename = v
	}
	inv.OS = os
	return nil
}

func readSPDXPackage(inv *inventory.Inventory, sp *spdx.Package, fields []prop, ours bool) error {
	purl := spdxPURL(sp)
	if !ours && purl == "" {
		// Not a package drydock can name: a file, a source tree, the
		// described application of a source SBOM.
		return nil
	}
	if purl != "" {
		if err := packageFromPURL(&inventory.Package{}, purl); err != nil {
			return fmt.Errorf("externalRefs purl: %w", err)
		}
	}
	if ours {
		p := inventory.Package{Name: sp.PackageName, Version: sp.PackageVersion, PURL: purl, Layer: -1}
		listed, err := applyPackageComment(&p, fields)
		if err != nil {
			return fmt.Errorf("comment: %w", err)
		}
		if !listed {
			p.Licenses = splitLicenseExpression(sp.PackageLicenseDeclared)
		}
		inv.Packages = append(inv.Packages, p)
		return nil
	}
	p := inventory.Package{PURL: purl, Layer: -1}
	if err := packageFromPURL(&p, purl); err != nil {
		return fmt.Errorf("externalRefs purl: %w", err)
	}
	setIfEmpty(&p.Version, sp.PackageVersion)
	setIfEmpty(&p.Name, sp.PackageName)
	facts := foreignFacts{}
	for _, a := range sp.Annotations {
		facts.addTrivyAnnotation(a.AnnotationComment)
	}
	facts.addTrivySourceInfo(sp.PackageSourceInfo)
	facts.apply(&p)
	if l := spdxForeignLicense(sp); l != "" {
		p.Licenses = []string{l}
	}
	inv.Packages = append(inv.Packages, p)
	return nil
}

// spdxPURL is the package's first purl external reference, or "".
func spdxPURL(p *spdx.Package) string {
	for _, r := range p.PackageExternalReferences {
		if r != nil && r.RefType == "purl" {
			return r.Locator
		}
	}
	return ""
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
