package sbom

import (
	_ "embed"
	"encoding/json"
	"strings"
	"sync"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// spdxLicenseSchema is CycloneDX's list of SPDX license identifiers, the
// official file kept beside the other schemas the tests validate against.
// CycloneDX accepts a license "id" only from this list, so the writer needs
// the same list to decide between "id" and "name".
//
//go:embed testdata/schema/spdx.schema.json
var spdxLicenseSchema []byte

var spdxIDs = sync.OnceValue(func() map[string]bool {
	var s struct {
		Enum []string `json:"enum"`
	}
	// The file is embedded at build time and its parse is covered by tests;
	// a failure here leaves the set empty and every license goes by name.
	_ = json.Unmarshal(spdxLicenseSchema, &s)
	ids := make(map[string]bool, len(s.Enum))
	for _, id := range s.Enum {
		ids[id] = true
	}
	return ids
})

// cdxLicenses writes each declared license as an SPDX id where it is one and
// by name otherwise, one entry per license so that the list reads back as it
// was written.
func cdxLicenses(ls []string) *cdx.Licenses {
	if len(ls) == 0 {
		return nil
	}
	out := make(cdx.Licenses, 0, len(ls))
	for _, l := range ls {
		if spdxIDs()[l] {
			out = append(out, cdx.LicenseChoice{License: &cdx.License{ID: l}})
		} else {
			out = append(out, cdx.LicenseChoice{License: &cdx.License{Name: l}})
		}
	}
	return &out
}

// readCDXLicenses returns the licenses of a component, whichever of the
// three forms (id, name, expression) the document used.
func readCDXLicenses(ls *cdx.Licenses) []string {
	if ls == nil {
		return nil
	}
	var out []string
	for _, c := range *ls {
		switch {
		case c.Expression != "":
			out = append(out, c.Expression)
		case c.License != nil && c.License.ID != "":
			out = append(out, c.License.ID)
		case c.License != nil && c.License.Name != "":
			out = append(out, c.License.Name)
		}
	}
	return out
}

// spdxLicenseExpression joins declared licenses into the one expression SPDX
// keeps per package. Only known SPDX identifiers make an expression; anything
// else (free text from a package database) would make the document invalid,
// so the field then says NOASSERTION and the list is in the package comment.
func spdxLicenseExpression(ls []string) string {
	if len(ls) == 0 {
		return "NOASSERTION"
	}
	ids := spdxIDs()
	for _, l := range ls {
		if !ids[l] {
			return "NOASSERTION"
		}
	}
	return strings.Join(ls, " AND ")
}

// splitLicenseExpression undoes spdxLicenseExpression for a package whose
// comment lists no licenses: the expression is then SPDX identifiers joined
// with AND, none of which holds a space.
func splitLicenseExpression(expr string) []string {
	if expr == "" || expr == noAssertion || expr == "NONE" {
		return nil
	}
	return strings.Split(expr, " AND ")
}
