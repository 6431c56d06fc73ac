package sbom

import (
	"bytes"
	"encoding/json"
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
// that SPDX has no field for are in each package's comment, one line per
// package (spdx_comment.go, docs/json-format.md).
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
	// The library's JSON writer escapes HTML, so we encode ourselves: compact
	// first, then indented into a buffer sized for the result, because an
	// indenting encoder grows its buffer from nothing by doubling (for 5,000
	// packages this saves a sixth of the bytes allocated and about a tenth of
	// the time).
	var compact bytes.Buffer
	enc := json.NewEncoder(&compact)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("sbom: writing SPDX: %w", err)
	}
	var out bytes.Buffer
	out.Grow(compact.Len() * 3 / 2)
	if err := json.Indent(&out, compact.Bytes(), "", "  "); err != nil {
		return fmt.Errorf("sbom: writing SPDX: %w", err)
	}
	if _, err := out.WriteTo(w); err != nil {
		return fmt.Errorf("sbom: writing SPDX: %w", err)
	}
	return nil
}

func (sw spdxWriter) document(inv *inventory.Inventory) (*spdx.Document, error) {
	created := sw.o.now.Format(time.RFC3339)
	image := &spdx.Package{
		PackageName:             displayName(inv),
		PackageSPDXIdentifier:   spdxImageID,
		PackageVersion:          inv.Digest,
		PackageDownloadLocation: noAssertion,
		PrimaryPackagePurpose:   "CONTAINER",
		PackageComment:          imageComment(inv),
	}
	if inv.Created != nil {
		// SPDX dates are whole seconds in UTC; the comment has the exact time.
		image.BuiltDate = inv.Created.UTC().Format(time.RFC3339)
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

	pkgs := sortedPackages(inv.Packages)
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
		Packages:      make([]*spdx.Package, 0, len(pkgs)+2),
		Relationships: make([]*spdx.Relationship, 0, len(pkgs)+2),
	}
	doc.Packages = append(doc.Packages, image)
	doc.Relationships = append(doc.Relationships, &spdx.Relationship{
		RefA:         common.MakeDocElementID("", "DOCUMENT"),
		RefB:         common.MakeDocElementID("", spdxImageID),
		Relationship: common.TypeRelationshipDescribe,
	})
	contains := func(id common.ElementID) {
		doc.Relationships = append(doc.Relationships, &spdx.Relationship{
			RefA:         common.MakeDocElementID("", spdxImageID),
			RefB:         common.MakeDocElementID("", string(id)),
			Relationship: common.TypeRelationshipContains,
		})
	}

	if os := inv.OS; os != nil {
		op := &spdx.Package{
			PackageName:             os.ID,
			PackageSPDXIdentifier:   spdxOSID,
			PackageVersion:          os.VersionID,
			PackageDownloadLocation: noAssertion,
			PackageDescription:      os.PrettyName,
			PrimaryPackagePurpose:   "OPERATING_SYSTEM",
		}
		if os.Codename != "" {
			w := newCommentWriter()
			w.add(keyCodename, os.Codename)
			op.PackageComment = w.String()
		}
		doc.Packages = append(doc.Packages, op)
		contains(spdxOSID)
	}

	ids := newRefs()
	for i := range pkgs {
		p := &pkgs[i]
		// licenseConcluded and copyrightText are left out: in SPDX 2.3
		// absence means NOASSERTION, which is all drydock could say.
		declared := spdxLicenseExpression(p.Licenses)
		sp := &spdx.Package{
			PackageName:             p.Name,
			PackageSPDXIdentifier:   common.ElementID(ids.ref("Package-", *p)),
			PackageVersion:          p.Version,
			PackageDownloadLocation: noAssertion,
			PackageLicenseDeclared:  declared,
			PrimaryPackagePurpose:   "LIBRARY",
			PackageComment:          packageComment(p, declared == noAssertion),
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
