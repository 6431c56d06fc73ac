package sbom_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/drydock/drydock/sbom"
)

// FuzzRead feeds arbitrary bytes to Read, seeded with every document in
// testdata and the sample in each format. Read must never panic; whatever it
// errs on must be an *InputError (exit code 2); whatever it accepts must
// survive a round trip through drydock's JSON unchanged, because later
// stages rewrite stored SBOMs in that form.
func FuzzRead(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*", "*.json"))
	for _, s := range seeds {
		if filepath.Base(filepath.Dir(s)) == "schema" {
			continue
		}
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, format := range []sbom.Format{sbom.FormatJSON, sbom.FormatCycloneDX, sbom.FormatSPDX} {
		var buf bytes.Buffer
		if err := sbom.Write(&buf, sample(), format, pinned...); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	f.Add([]byte(`{"bomFormat":"CycloneDX","specVersion":"1.4","version":1}`))
	f.Add([]byte(`{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT"}`))

	f.Fuzz(func(t *testing.T, data []byte) {
		inv, err := sbom.Read(bytes.NewReader(data))
		if err != nil {
			var ie *sbom.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %T (%v) is not an *InputError", err, err)
			}
			return
		}
		var buf bytes.Buffer
		if err := sbom.Write(&buf, inv, sbom.FormatJSON); err != nil {
			t.Fatalf("Write(json) of an accepted document: %v", err)
		}
		again, err := sbom.Read(&buf)
		if err != nil {
			t.Fatalf("Read of our own JSON: %v\n%s", err, buf.Bytes())
		}
		requireEqual(t, again, inv)
	})
}
