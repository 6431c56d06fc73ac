package sbom

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/google/uuid"

	"github.com/drydock/drydock/inventory"
)

// cycloneDXWriter writes CycloneDX 1.6 JSON: the image is the metadata
// component (type container), the OS and every package are components, and
// drydock's layer attribution travels in "drydock:" properties.
type cycloneDXWriter struct{ o *options }

var _ Writer = cycloneDXWriter{}

// serialNamespace seeds the name-based UUIDs drydock derives serial numbers
// from, so that the same image always gets the same serial number.
var serialNamespace = uuid.MustParse("6f1d0b8e-3c55-4e0c-9a51-0d7a3c1c9e41")

// CycloneDX builds the CycloneDX 1.6 BOM of inv exactly as the cyclonedx
// format writes it, for callers that add to it: a scan report adds its
// vulnerabilities, keyed to these components' bom-refs.
func CycloneDX(inv *inventory.Inventory, opts ...Option) (*cdx.BOM, error) {
	o, err := makeOptions(opts)
	if err != nil {
		return nil, err
	}
	return cycloneDXWriter{o}.bom(inv)
}

func (cw cycloneDXWriter) Write(w io.Writer, inv *inventory.Inventory) error {
	bom, err := cw.bom(inv)
	if err != nil {
		return err
	}
	enc := cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON)
	enc.SetPretty(true).SetEscapeHTML(false)
	if err := enc.EncodeVersion(bom, cdx.SpecVersion1_6); err != nil {
		return fmt.Errorf("sbom: writing CycloneDX: %w", err)
	}
	return nil
}

func (cw cycloneDXWriter) bom(inv *inventory.Inventory) (*cdx.BOM, error) {
	image, err := cdxImage(inv)
	if err != nil {
		return nil, err
	}
	bom := cdx.NewBOM()
	bom.SerialNumber = "urn:uuid:" + uuid.NewSHA1(serialNamespace, []byte(identity(inv))).String()
	bom.Metadata = &cdx.Metadata{
		Timestamp: cw.o.now.Format(time.RFC3339),
		Tools: &cdx.ToolsChoice{Components: &[]cdx.Component{{
			Type: cdx.ComponentTypeApplication, Name: "drydock", Version: cw.o.toolVersion,
		}}},
		Component: image,
	}

	var comps []cdx.Component
	var refs []string
	if inv.OS != nil {
		osc := cdxOS(inv.OS)
		comps = append(comps, osc)
		refs = append(refs, osc.BOMRef)
	}
	ids := newRefs()
	for _, p := range sortedPackages(inv.Packages) {
		c := cdx.Component{
			BOMRef:     ids.ref("package-", p),
			Type:       cdx.ComponentTypeLibrary,
			Name:       p.Name,
			Version:    p.Version,
			PackageURL: p.PURL,
			Licenses:   cdxLicenses(p.Licenses),
			Properties: cdxProps(packageProps(inv, &p)),
		}
		comps = append(comps, c)
		refs = append(refs, c.BOMRef)
	}
	bom.Components = &comps
	// The image contains everything else; drydock knows nothing about
	// package-to-package dependencies and so claims none.
	deps := []cdx.Dependency{{Ref: image.BOMRef, Dependencies: &refs}}
	bom.Dependencies = &deps
	return bom, nil
}

func cdxImage(inv *inventory.Inventory) (*cdx.Component, error) {
	ps, err := imageProps(inv)
	if err != nil {
		return nil, err
	}
	c := &cdx.Component{
		Type:       cdx.ComponentTypeContainer,
		Name:       displayName(inv),
		Version:    inv.Digest,
		PackageURL: imagePURL(inv),
		Properties: cdxProps(ps),
	}
	c.BOMRef = c.PackageURL
	if c.BOMRef == "" {
		c.BOMRef = "image"
	}
	if alg, hexval, ok := strings.Cut(inv.Digest, ":"); ok {
		switch alg {
		case "sha256":
			c.Hashes = &[]cdx.Hash{{Algorithm: cdx.HashAlgoSHA256, Value: hexval}}
		case "sha512":
			c.Hashes = &[]cdx.Hash{{Algorithm: cdx.HashAlgoSHA512, Value: hexval}}
		}
	}
	return c, nil
}

func cdxOS(os *inventory.OS) cdx.Component {
	var ps []prop
	if os.Codename != "" {
		ps = append(ps, prop{propOSCodename, os.Codename})
	}
	if os.PrettyName != "" {
		ps = append(ps, prop{propOSPrettyName, os.PrettyName})
	}
	return cdx.Component{
		BOMRef:      "os-" + os.ID + "-" + os.VersionID,
		Type:        cdx.ComponentTypeOS,
		Name:        os.ID,
		Version:     os.VersionID,
		Description: os.PrettyName,
		Properties:  cdxProps(ps),
	}
}

func cdxProps(ps []prop) *[]cdx.Property {
	if len(ps) == 0 {
		return nil
	}
	out := make([]cdx.Property, len(ps))
	for i, p := range ps {
		out[i] = cdx.Property{Name: p.name, Value: p.value}
	}
	return &out
}

// displayName is how an SBOM names the image: its repository, or the
// reference the user gave where there is no repository (dir:).
func displayName(inv *inventory.Inventory) string {
	switch {
	case inv.Name != "":
		return inv.Name
	case inv.Source != "":
		return inv.Source
	}
	return "image"
}

// identity is what makes two documents about the same image the same: the
// manifest digest, or for sources without one the source and layer diffIDs.
func identity(inv *inventory.Inventory) string {
	if inv.Digest != "" {
		return inv.Digest
	}
	h := sha256.New()
	h.Write([]byte(inv.Source))
	for _, l := range inv.Layers {
		h.Write([]byte{0})
		h.Write([]byte(l.DiffID))
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// refs hands out stable, unique identifiers for packages: a hash of what
// tells packages apart, so an identifier does not move when another package
// is added, with a counter only for exact duplicates.
type refs struct{ used map[string]int }

func newRefs() *refs { return &refs{used: map[string]int{}} }

func (r *refs) ref(prefix string, p inventory.Package) string {
	h := sha256.Sum256([]byte(strings.Join([]string{p.Type, p.Name, p.Version, p.Path, strconv.Itoa(p.Layer), p.PURL}, "\x00")))
	id := prefix + hex.EncodeToString(h[:8])
	r.used[id]++
	if n := r.used[id]; n > 1 {
		id += "-" + strconv.Itoa(n)
	}
	return id
}
