package verdict

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/drydock/drydock/inventory"
)

// SBOMLayers returns the layers of the inventory stored for digest, bottom
// first, or an error wrapping store.ErrNotFound. It reads only as far into
// the stored document as the layers, which EncodeInventory writes before
// the packages, so it costs a fraction of SBOM.
func (s *Store) SBOMLayers(ctx context.Context, digest string) ([]inventory.Layer, error) {
	sb, err := s.st.GetSBOM(ctx, digest)
	if err != nil {
		return nil, err
	}
	layers, err := DecodeLayers(sb.Inventory)
	if err != nil {
		return nil, fmt.Errorf("verdict: SBOM of %s: %w", digest, err)
	}
	return layers, nil
}

// DecodeLayers reads the layers of what EncodeInventory wrote, skipping
// the other members it meets before them and stopping there.
func DecodeLayers(b []byte) ([]inventory.Layer, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("verdict: decode inventory layers: %w", err)
	}
	dec := json.NewDecoder(io.LimitReader(zr, maxInventory))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("verdict: decode inventory layers: not a JSON object (%v)", err)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("verdict: decode inventory layers: %w", err)
		}
		key, _ := tok.(string)
		if key == "layers" {
			var layers []inventory.Layer
			if err := dec.Decode(&layers); err != nil {
				return nil, fmt.Errorf("verdict: decode inventory layers: %w", err)
			}
			return layers, nil
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, fmt.Errorf("verdict: decode inventory layers: %w", err)
		}
	}
	return nil, nil
}
