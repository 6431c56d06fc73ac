package sbom_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/sbom"
)

// The official schemas, kept in testdata/schema (see its README), under the
// URLs their $id and $ref name, so that nothing is fetched.
var schemaFiles = map[string]string{
	"http://cyclonedx.org/schema/bom-1.6.schema.json":  "bom-1.6.schema.json",
	"http://cyclonedx.org/schema/spdx.schema.json":     "spdx.schema.json",
	"http://cyclonedx.org/schema/jsf-0.82.schema.json": "jsf-0.82.schema.json",
	"http://spdx.org/rdf/terms/2.3":                    "spdx-2.3.schema.json",
}

// offline refuses every URL not added as a resource: a schema that names
// one more remote file fails the test instead of reaching the network.
type offline struct{}

func (offline) Load(url string) (any, error) {
	return nil, fmt.Errorf("schema %s is not in testdata/schema; tests do not fetch", url)
}

var compileSchemas = sync.OnceValues(func() (map[sbom.Format]*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.UseLoader(offline{})
	c.AssertFormat()
	for url, file := range schemaFiles {
		f, err := os.Open(filepath.Join("testdata", "schema", file))
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if err := c.AddResource(url, doc); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
	}
	cdx, err := c.Compile("http://cyclonedx.org/schema/bom-1.6.schema.json")
	if err != nil {
		return nil, err
	}
	spdx, err := c.Compile("http://spdx.org/rdf/terms/2.3")
	if err != nil {
		return nil, err
	}
	return map[sbom.Format]*jsonschema.Schema{sbom.FormatCycloneDX: cdx, sbom.FormatSPDX: spdx}, nil
})

func validate(t *testing.T, f sbom.Format, doc []byte) error {
	t.Helper()
	schemas, err := compileSchemas()
	if err != nil {
		t.Fatalf("compiling schemas: %v", err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	return schemas[f].Validate(v)
}

// TestSchemaValid validates CycloneDX and SPDX output against the official
// schemas for inventories of several shapes, and checks that each document
// names the image's manifest digest.
func TestSchemaValid(t *testing.T) {
	inventories := map[string]*inventory.Inventory{
		"sample": sample(),
		"rootfs": rootfs(),
		"empty":  {Source: "oci:./empty", Name: "empty", Digest: "sha256:" + strings.Repeat("0", 64)},
	}
	for name, inv := range inventories {
		for _, f := range []sbom.Format{sbom.FormatCycloneDX, sbom.FormatSPDX} {
			t.Run(name+"/"+string(f), func(t *testing.T) {
				out := write(t, inv, f)
				if err := validate(t, f, out); err != nil {
					t.Fatalf("%s output is not valid against the official schema: %v\n%s", f, err, out)
				}
				if inv.Digest != "" {
					hex := strings.TrimPrefix(inv.Digest, "sha256:")
					if c := strings.Count(string(out), hex); c < 2 {
						t.Errorf("digest hex appears %d times, want it as version/checksum and in the purl", c)
					}
				}
			})
		}
	}
}

// TestSchemaRejects makes sure validation can fail: a document the schema
// must refuse is refused, so a passing TestSchemaValid means something.
func TestSchemaRejects(t *testing.T) {
	tests := []struct {
		format sbom.Format
		// breakIt changes a valid document into an invalid one.
		breakIt func(m map[string]any)
	}{
		{sbom.FormatCycloneDX, func(m map[string]any) { m["components"].([]any)[1].(map[string]any)["type"] = "gadget" }},
		{sbom.FormatCycloneDX, func(m map[string]any) { delete(m, "bomFormat") }},
		{sbom.FormatSPDX, func(m map[string]any) { delete(m["packages"].([]any)[1].(map[string]any), "downloadLocation") }},
		{sbom.FormatSPDX, func(m map[string]any) {
			m["relationships"].([]any)[0].(map[string]any)["relationshipType"] = "LIKES"
		}},
	}
	for i, tt := range tests {
		m := decode(t, write(t, sample(), tt.format))
		tt.breakIt(m)
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if err := validate(t, tt.format, b); err == nil {
			t.Errorf("case %d (%s): broken document validated, want a schema error", i, tt.format)
		}
	}
}

// TestForeignFixturesValid checks that the hand-written documents standing
// in for other tools' output are themselves valid, so that reading them
// tests drydock against what a conforming tool may write.
func TestForeignFixturesValid(t *testing.T) {
	tests := []struct {
		file   string
		format sbom.Format
	}{
		{"trivy-debian.cdx.json", sbom.FormatCycloneDX},
		{"syft-debian.spdx.json", sbom.FormatSPDX},
	}
	for _, tt := range tests {
		b, err := os.ReadFile(filepath.Join("testdata", "foreign", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		if err := validate(t, tt.format, b); err != nil {
			t.Errorf("%s is not valid %s: %v", tt.file, tt.format, err)
		}
	}
}
