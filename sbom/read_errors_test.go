package sbom_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drydock/drydock/sbom"
)

// TestReadErrors feeds bad documents to ReadFile: each must fail with the
// right sentinel, name the file, the format and the field, and mean exit
// code 2 — never panic, never half an inventory.
func TestReadErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		// want is the sentinel the error must wrap.
		want error
		// format and field are what the *InputError must name.
		format, field string
	}{
		{"not JSON", "PK\x03\x04 this is a zip", sbom.ErrNotJSON, "", ""},
		{"truncated JSON", `{"bomFormat": "CycloneDX", "specVer`, sbom.ErrNotJSON, "", ""},
		{"JSON array", `[1, 2, 3]`, sbom.ErrUnrecognized, "", ""},
		{"unknown object", `{"hello": "world"}`, sbom.ErrUnrecognized, "", ""},
		{"other bomFormat", `{"bomFormat": "SWID", "specVersion": "1.6"}`, sbom.ErrUnrecognized, "cyclonedx", "bomFormat"},
		{"CycloneDX 1.3", `{"bomFormat": "CycloneDX", "specVersion": "1.3", "version": 1}`, sbom.ErrUnsupportedVersion, "cyclonedx", "specVersion"},
		{"CycloneDX 1.2", `{"bomFormat": "CycloneDX", "specVersion": "1.2", "version": 1}`, sbom.ErrUnsupportedVersion, "cyclonedx", "specVersion"},
		{"CycloneDX 2.0", `{"bomFormat": "CycloneDX", "specVersion": "2.0", "version": 1}`, sbom.ErrUnsupportedVersion, "cyclonedx", "specVersion"},
		{"CycloneDX version not a string", `{"bomFormat": "CycloneDX", "specVersion": 1.6}`, sbom.ErrInvalid, "cyclonedx", "specVersion"},
		{"CycloneDX bad purl", `{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": [
			{"type": "library", "name": "ok", "purl": "pkg:npm/ok@1.0.0"},
			{"type": "library", "name": "x", "purl": "npm/x@1.0"}]}`, sbom.ErrBadPURL, "cyclonedx", "components[1]"},
		{"CycloneDX nested bad purl", `{"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": [
			{"type": "application", "name": "app", "components": [{"type": "library", "name": "x", "purl": "pkg:"}]}]}`, sbom.ErrBadPURL, "cyclonedx", "components[0].components[0]"},
		{"CycloneDX wrong field type", `{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": {"a": 1}}`, sbom.ErrInvalid, "cyclonedx", ""},
		{"CycloneDX layer out of range", `{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": [
			{"type": "library", "name": "x", "purl": "pkg:npm/x@1", "properties": [
				{"name": "drydock:package:type", "value": "npm"}, {"name": "drydock:layer:index", "value": "7"}]}]}`, sbom.ErrInvalid, "cyclonedx", "components"},
		{"CycloneDX layer not a number", `{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": [
			{"type": "library", "name": "x", "properties": [
				{"name": "drydock:package:type", "value": "npm"}, {"name": "drydock:layer:index", "value": "top"}]}]}`, sbom.ErrInvalid, "cyclonedx", "components[0]"},
		{"SPDX 3.0", `{"spdxVersion": "SPDX-3.0", "SPDXID": "SPDXRef-DOCUMENT"}`, sbom.ErrUnsupportedVersion, "spdx", "spdxVersion"},
		{"SPDX bad purl", `{"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "name": "x", "dataLicense": "CC0-1.0",
			"documentNamespace": "https://example.org/x", "creationInfo": {"created": "2026-01-01T00:00:00Z", "creators": ["Tool: x"]},
			"packages": [{"SPDXID": "SPDXRef-a", "name": "a", "downloadLocation": "NONE",
				"externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:deb/"}]}]}`,
			sbom.ErrBadPURL, "spdx", "packages[0]"},
		{"SPDX bad SPDXID", `{"spdxVersion": "SPDX-2.3", "SPDXID": "DOCUMENT", "name": "x"}`, sbom.ErrInvalid, "spdx", ""},
		{"SPDX drydock comment field without =", spdxDoc(`"comment": "drydock: type=npm path"`), sbom.ErrInvalid, "spdx", "packages[0]"},
		{"SPDX drydock comment bad escape", spdxDoc(`"comment": "drydock: type=npm path=a%2"`), sbom.ErrInvalid, "spdx", "packages[0]"},
		{"SPDX drydock comment bad hex", spdxDoc(`"comment": "drydock: type=npm path=a%zz"`), sbom.ErrInvalid, "spdx", "packages[0]"},
		{"SPDX drydock comment unknown key", spdxDoc(`"comment": "drydock: type=npm colour=red"`), sbom.ErrInvalid, "spdx", "packages[0]"},
		{"SPDX drydock comment layer not a number", spdxDoc(`"comment": "drydock: type=npm layer=top"`), sbom.ErrInvalid, "spdx", "packages[0]"},
		{"SPDX drydock comment layer out of range", spdxDoc(`"comment": "drydock: type=npm layer=3"`), sbom.ErrInvalid, "spdx", "packages"},
		{"SPDX drydock image layer short", spdxImageDoc(`drydock: source=x layer=sha256:00,,1`), sbom.ErrInvalid, "spdx", "packages[0]"},
		{"SPDX drydock image layer size", spdxImageDoc(`drydock: source=x layer=sha256:00,,big,`), sbom.ErrInvalid, "spdx", "packages[0]"},
		{"SPDX drydock image created", spdxImageDoc(`drydock: source=x created=yesterday`), sbom.ErrInvalid, "spdx", "packages[0]"},
		{"drydock schema v2", `{"schema": "drydock/inventory/v2", "source": "x"}`, sbom.ErrUnsupportedVersion, "json", "schema"},
		{"drydock unknown field", `{"schema": "drydock/inventory/v1", "source": "x", "layerz": []}`, sbom.ErrInvalid, "json", "layerz"},
		{"drydock wrong type", `{"schema": "drydock/inventory/v1", "source": "x", "packages": [{"name": "a", "layer": "zero"}]}`, sbom.ErrInvalid, "json", "packages.layer"},
		{"drydock bad purl", `{"schema": "drydock/inventory/v1", "source": "x", "layers": [], "packages": [{"name": "a", "purl": "pkg:/a", "layer": -1}]}`, sbom.ErrBadPURL, "json", "packages[0].purl"},
		{"drydock layer out of range", `{"schema": "drydock/inventory/v1", "source": "x", "layers": [], "packages": [{"name": "a", "layer": 0}]}`, sbom.ErrInvalid, "json", "packages"},
		{"drydock layers out of order", `{"schema": "drydock/inventory/v1", "source": "x", "layers": [{"index": 1, "diffId": "sha256:00"}], "packages": []}`, sbom.ErrInvalid, "json", "layers[0].index"},
	}
	dir := t.TempDir()
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".json")
			if err := os.WriteFile(path, []byte(tt.doc), 0o644); err != nil {
				t.Fatal(err)
			}
			inv, err := sbom.ReadFile(path)
			if err == nil {
				t.Fatalf("case %d: ReadFile succeeded with %+v, want an error wrapping %v", i, inv, tt.want)
			}
			if inv != nil {
				t.Errorf("got an inventory along with the error")
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("error %q does not wrap %v", err, tt.want)
			}
			var ie *sbom.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %T is not an *sbom.InputError", err)
			}
			if ie.File != path || ie.Format != tt.format || ie.Field != tt.field {
				t.Errorf("InputError names file %q, format %q, field %q; want %q, %q, %q", ie.File, ie.Format, ie.Field, path, tt.format, tt.field)
			}
			if !ie.InvalidInput() {
				t.Errorf("InvalidInput() = false, want true")
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("message %q does not name the file", err)
			}
		})
	}
}

func TestReadFileMissing(t *testing.T) {
	_, err := sbom.ReadFile(filepath.Join(t.TempDir(), "nope.json"))
	var ie *sbom.InputError
	if !errors.As(err, &ie) || !errors.Is(err, os.ErrNotExist) || !ie.InvalidInput() {
		t.Errorf("ReadFile(missing) = %v, want an *InputError wrapping os.ErrNotExist", err)
	}
}

// spdxDoc is an SPDX 2.3 document with one package that has extra, a JSON
// member, added.
func spdxDoc(extra string) string {
	return `{"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "name": "x",
		"packages": [{"SPDXID": "SPDXRef-a", "name": "a", "downloadLocation": "NONE", ` + extra + `}]}`
}

// spdxImageDoc is an SPDX 2.3 document describing one container image
// package whose comment is comment.
func spdxImageDoc(comment string) string {
	return `{"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "name": "x",
		"packages": [{"SPDXID": "SPDXRef-Image", "name": "x", "downloadLocation": "NONE", "primaryPackagePurpose": "CONTAINER", "comment": "` + comment + `"}],
		"relationships": [{"spdxElementId": "SPDXRef-DOCUMENT", "relatedSpdxElement": "SPDXRef-Image", "relationshipType": "DESCRIBES"}]}`
}
