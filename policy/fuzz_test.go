package policy

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that no input makes Parse panic, and that every refusal
// is a *LoadError (exit code 2) rather than some other error.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	invalid, _ := filepath.Glob(filepath.Join("testdata", "invalid", "*.yaml"))
	for _, path := range append(seeds, invalid...) {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("apiVersion: drydock/v1\nkind: Policy\nrules:\n  - name: a\n    message: m\n    deny: \"[1,2].all(x, x > 0)\"\n"))
	f.Add([]byte("apiVersion: drydock/v1\nkind: Policy\nx: &a [*a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Fuzzed VEX paths may name any file, /dev/zero included: the
		// loader reads only regular files of bounded size.
		p, err := Parse(data, "fuzz.yaml", WithBaseDir("testdata"))
		if err != nil {
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("Parse error %q is a %T, want *LoadError", err, err)
			}
			if le.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if p.ID().Digest == "" || p.ID().Name == "" {
			t.Fatalf("accepted policy has ID %+v", p.ID())
		}
	})
}
