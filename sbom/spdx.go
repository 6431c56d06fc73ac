package sbom

import (
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/spdx/tools-golang/spdx"
	"github.com/spdx/tools-golang/spdx/v2/common"

	"github.com/drydock/drydock/inventory"
)

// spdxWriter writes SPDX 2.3 JSON: the document describes one package, the
// image, which CONTAINS the OS and every cataloged package. drydock's facts
// that SPDX has no field for are package annotations whose comment is
// "drydock:NAME=VALUE" (docs/json-format.md).
type spdxWriter struct{ o *options }

var _ Writer = spdxWriter{}

const (
	spdxImageID = "Image"
	spdxOSID    = "OperatingSystem"
	// spdxNamespaceBase prefixes document namespaces. SPDX asks for a unique
	// URI, not a resolvable one; the digest makes it unique per image.
	spdxNamespaceBase = "https://drydock.dev/spdx/"
	noAssertion       = "NOASSERTION"
)

func (sw spdxWriter) Write(w io.Writer, inv *inventory.Inventory) error {
	doc, err := sw.document(inv)
	if err != nil {
		return err
	}
	// The library's JSON writer escapes HTML and leaves no way to pretty-print
	// deterministically other than through an encoder we configure ourselves.
	enc := newJSONEncoder(w)
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("sbom: writing SPDX: %w", err)
	}
	return nil
}

func (sw spdxWriter) document(inv *inventory.Inventory) (*spdx.Document, error) {
	created := sw.o.now.Format(time.RFC3339)
	annotate := func(ps []prop) []spdx.Annotation {
		out := make([]spdx.Annotation, len(ps))
		for i, p := range ps {
			out[i] = spdx.Annotation{
				Annotator:         common.Annotator{Annotator: "drydock-" + sw.o.toolVersion, AnnotatorType: "Tool"},
				AnnotationDate:    created,
				AnnotationType:    "OTHER",
				AnnotationComment: p.name + "=" + p.value,
			}
		}
		return out
	}

	ips, err := imageProps(inv)
	if err != nil {
		return nil, err
	}
	image := &spdx.Package{
		PackageName:             displayName(inv),
		PackageSPDXIdentifier:   spdxImageID,
		PackageVersion:          inv.Digest,
		PackageDownloadLocation: noAssertion,
		PrimaryPackagePurpose:   "CONTAINER",
		Annotations:             annotate(ips),
	}
	if alg, hexval, ok := strings.Cut(inv.Digest, ":"); ok {
		switch alg {
		case "sha256":
			image.PackageChecksums = []spdx.Checksum{{Algorithm: spdx.SHA256, Value: hexval}}
		case "sha512":
			image.PackageChecksums = []spdx.Checksum{{Algorithm: spdx.SHA512, Value: hexval}}
		}
	}
	if purl := imagePURL(inv); purl != "" {
		image.PackageExternalReferences = []*spdx.PackageExternalReference{purlRef(purl)}
	}

	doc := &spdx.Document{
		SPDXVersion:       spdx.Version,
		DataLicense:       spdx.DataLicense,
		SPDXIdentifier:    "DOCUMENT",
		DocumentName:      documentName(inv),
		DocumentNamespace: spdxNamespace(inv),
		CreationInfo: &spdx.CreationInfo{
			Creators: []common.Creator{{Creator: "drydock-" + sw.o.toolVersion, CreatorType: "Tool"}},
			Created:  created,
		},
		Packages: []*spdx.Package{image},
		Relationships: []*spdx.Relationship{{
			RefA:         common.MakeDocElementID("", "DOCUMENT"),
			RefB:         common.MakeDocElementID("", spdxImageID),
			Relationship: common.TypeRelationshipDescribe,
		}},
	}
	contains := func(id common.ElementID) {
		doc.Relationships = append(doc.Relationships, &spdx.Relationship{
			RefA:         common.MakeDocElementID("", spdxImageID),
			RefB:         common.MakeDocElementID("", string(id)),
			Relationship: common.TypeRelationshipContains,
		})
	}

	if os := inv.OS; os != nil {
		var ps []prop
		if os.Codename != "" {
			ps = append(ps, prop{propOSCodename, os.Codename})
		}
		if os.PrettyName != "" {
			ps = append(ps, prop{propOSPrettyName, os.PrettyName})
		}
		doc.Packages = append(doc.Packages, &spdx.Package{
			PackageName:             os.ID,
			PackageSPDXIdentifier:   spdxOSID,
			PackageVersion:          os.VersionID,
			PackageDownloadLocation: noAssertion,
			PackageDescription:      os.PrettyName,
			PrimaryPackagePurpose:   "OPERATING_SYSTEM",
			Annotations:             annotate(ps),
		})
		contains(spdxOSID)
	}

	ids := newRefs()
	for _, p := range sortedPackages(inv.Packages) {
		ps := packageProps(inv, &p)
		for _, l := range p.Licenses {
			ps = append(ps, prop{propLicense, l})
		}
		sp := &spdx.Package{
			PackageName:             p.Name,
			PackageSPDXIdentifier:   common.ElementID(ids.ref("Package-", p)),
			PackageVersion:          p.Version,
			PackageDownloadLocation: noAssertion,
			PackageLicenseConcluded: noAssertion,
			PackageLicenseDeclared:  spdxLicenseExpression(p.Licenses),
			PackageCopyrightText:    noAssertion,
			PrimaryPackagePurpose:   "LIBRARY",
			Annotations:             annotate(ps),
		}
		if p.PURL != "" {
			sp.PackageExternalReferences = []*spdx.PackageExternalReference{purlRef(p.PURL)}
		}
		doc.Packages = append(doc.Packages, sp)
		contains(sp.PackageSPDXIdentifier)
	}
	return doc, nil
}

func purlRef(purl string) *spdx.PackageExternalReference {
	return &spdx.PackageExternalReference{Category: "PACKAGE-MANAGER", RefType: "purl", Locator: purl}
}

func documentName(inv *inventory.Inventory) string {
	if inv.Digest != "" {
		return displayName(inv) + "@" + inv.Digest
	}
	return displayName(inv)
}

// spdxNamespace derives the document namespace from the image's identity, so
// that the same image always gets the same namespace.
func spdxNamespace(inv *inventory.Inventory) string {
	alg, hexval, _ := strings.Cut(identity(inv), ":")
	name := inv.Name
	if name == "" {
		name = "image"
	}
	segs := strings.Split(name, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return spdxNamespaceBase + strings.Join(segs, "/") + "/" + alg + "-" + hexval
}
