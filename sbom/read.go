package sbom

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/drydock/drydock/inventory"
)

// MaxInputSize bounds how much Read takes in. The largest real image SBOMs
// are tens of megabytes; the bound keeps a hostile file from taking memory.
const MaxInputSize = 256 << 20

// ReadFile reads the SBOM at path; see Read. Errors name the file.
func ReadFile(path string) (*inventory.Inventory, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &InputError{File: path, Err: err}
	}
	defer f.Close()
	inv, err := Read(f)
	if ie, ok := errors.AsType[*InputError](err); ok {
		ie.File = path
	}
	return inv, err
}

// Read reads a CycloneDX (1.4 and later) JSON, SPDX 2.x JSON or drydock
// inventory JSON document, telling them apart by their marker fields
// ("bomFormat", "spdxVersion", "schema"). Documents drydock wrote come back
// as the inventory that was written, layers and layer attribution included.
// Documents other tools wrote yield their packages from package URLs, with
// Layer -1 and no layers. Packages are sorted as the writers sort them;
// Layers and Packages are never nil. Errors are *InputError.
func Read(r io.Reader) (*inventory.Inventory, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxInputSize+1))
	if err != nil {
		return nil, &InputError{Err: err}
	}
	if len(data) > MaxInputSize {
		return nil, &InputError{Err: fmt.Errorf("%w: more than %d bytes", ErrTooLarge, MaxInputSize)}
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, &InputError{Err: fmt.Errorf("%w: the document is a JSON %s, not an object", ErrUnrecognized, te.Value)}
		}
		return nil, &InputError{Err: fmt.Errorf("%w: %v", ErrNotJSON, err)}
	}

	var (
		format string
		inv    *inventory.Inventory
	)
	switch {
	case top["bomFormat"] != nil:
		format = "cyclonedx"
		if !bytes.Equal(bytes.TrimSpace(top["bomFormat"]), []byte(`"CycloneDX"`)) {
			err = &InputError{Field: "bomFormat", Err: fmt.Errorf("%w: bomFormat %s", ErrUnrecognized, top["bomFormat"])}
			break
		}
		inv, err = readCycloneDX(data, top)
	case top["spdxVersion"] != nil:
		format = "spdx"
		inv, err = readSPDX(data, top)
	case top["schema"] != nil:
		format = "json"
		inv, err = readInventory(data, top)
	default:
		err = &InputError{Err: ErrUnrecognized}
	}
	if err != nil {
		ie, ok := errors.AsType[*InputError](err)
		if !ok {
			ie = &InputError{Err: err}
			err = ie
		}
		ie.Format = format
		return nil, err
	}
	slices.SortStableFunc(inv.Packages, comparePackages)
	return inv, nil
}
