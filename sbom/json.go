package sbom

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/drydock/drydock/inventory"
)

// SchemaInventoryV1 names drydock's own inventory JSON, documented field by
// field in docs/json-format.md. A reader refuses other drydock schemas
// rather than guess at them.
const SchemaInventoryV1 = "drydock/inventory/v1"

// jsonWriter writes the inventory itself with a schema marker on top.
type jsonWriter struct{}

var _ Writer = jsonWriter{}

// inventoryDoc is the top-level object: the inventory's fields, promoted
// from the embedded pointer, after "schema".
type inventoryDoc struct {
	Schema string `json:"schema"`
	*inventory.Inventory
}

func (jsonWriter) Write(w io.Writer, inv *inventory.Inventory) error {
	out := *inv
	out.Packages = sortedPackages(inv.Packages)
	// Lists are written as [] rather than null so that consumers need not
	// tell "none" from "absent".
	if out.Layers == nil {
		out.Layers = []inventory.Layer{}
	}
	if err := newJSONEncoder(w).Encode(inventoryDoc{Schema: SchemaInventoryV1, Inventory: &out}); err != nil {
		return fmt.Errorf("sbom: writing JSON: %w", err)
	}
	return nil
}

// readInventory reads drydock's inventory JSON. Unknown fields are refused:
// the schema is ours, so an unknown field means a newer writer or a typo,
// and silently dropping data would be worse than saying so.
func readInventory(data []byte, top map[string]json.RawMessage) (*inventory.Inventory, error) {
	var schema string
	if err := json.Unmarshal(top["schema"], &schema); err != nil {
		return nil, &InputError{Field: "schema", Err: fmt.Errorf("%w: not a string", ErrInvalid)}
	}
	if schema != SchemaInventoryV1 {
		return nil, &InputError{Field: "schema", Err: fmt.Errorf("%w: %q (drydock reads %s)", ErrUnsupportedVersion, schema, SchemaInventoryV1)}
	}
	doc := inventoryDoc{Inventory: &inventory.Inventory{}}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, &InputError{Field: jsonErrorField(err), Err: fmt.Errorf("%w: %v", ErrInvalid, err)}
	}
	inv := doc.Inventory
	if inv.Layers == nil {
		inv.Layers = []inventory.Layer{}
	}
	if inv.Packages == nil {
		inv.Packages = []inventory.Package{}
	}
	for i, l := range inv.Layers {
		if l.Index != i {
			return nil, &InputError{Field: fmt.Sprintf("layers[%d].index", i), Err: fmt.Errorf("%w: index %d at position %d", ErrInvalid, l.Index, i)}
		}
	}
	for i, p := range inv.Packages {
		if p.PURL == "" {
			continue
		}
		if err := packageFromPURL(&inventory.Package{}, p.PURL); err != nil {
			return nil, &InputError{Field: fmt.Sprintf("packages[%d].purl", i), Err: err}
		}
	}
	if err := checkLayers(inv); err != nil {
		return nil, &InputError{Field: "packages", Err: err}
	}
	return inv, nil
}

// jsonErrorField names the field encoding/json complained about, where it
// says.
func jsonErrorField(err error) string {
	if te, ok := err.(*json.UnmarshalTypeError); ok {
		// The inventory is embedded in the document type; its Go name is
		// not part of the JSON path.
		return strings.TrimPrefix(te.Field, "Inventory.")
	}
	if msg := err.Error(); strings.HasPrefix(msg, "json: unknown field ") {
		return strings.Trim(strings.TrimPrefix(msg, "json: unknown field "), `"`)
	}
	return ""
}

// newJSONEncoder is how drydock writes JSON people may read: indented, with
// "<", ">" and "&" left as they are (package versions and build steps have
// them).
func newJSONEncoder(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc
}
