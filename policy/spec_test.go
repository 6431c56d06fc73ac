package policy

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drydock/drydock/match"
)

func TestLoadInvalid(t *testing.T) {
	tests := []struct {
		file  string // under testdata/invalid
		kind  error  // the sentinel errors.Is must find
		line  int    // the line the error names; 0 for none
		field string // the field path the error names
		text  string // a phrase the message must contain
	}{
		{"apiversion-unknown.yaml", ErrUnknownAPIVersion, 1, "apiVersion", `got "drydock/v2"`},
		{"apiversion-missing.yaml", ErrMissingField, 1, "apiVersion", "drydock/v1"},
		{"kind-unknown.yaml", ErrUnknownKind, 2, "kind", `"ClusterPolicy"`},
		{"field-unknown.yaml", ErrUnknownField, 5, "severity.failon", "known: failOn, source, unknownAs"},
		{"field-unknown-top.yaml", ErrUnknownField, 3, "maxage", `"maxage" is not a field`},
		{"exception-no-reason.yaml", ErrMissingField, 4, "exceptions[0].reason", "no reason"},
		{"exception-no-expiry.yaml", ErrMissingField, 4, "exceptions[0].expires", "no expiry date"},
		{"exception-bad-date.yaml", ErrInvalidValue, 6, "exceptions[0].expires", `"next summer"`},
		{"exception-no-id.yaml", ErrMissingField, 4, "exceptions[0].id", "vulnerability ID"},
		{"severity-unknown.yaml", ErrInvalidValue, 4, "severity.failOn", `"severe"`},
		{"severity-failon-unknown.yaml", ErrInvalidValue, 4, "severity.failOn", "low, medium, high or critical"},
		{"maxage-bad.yaml", ErrInvalidValue, 3, "maxAge", `"three months"`},
		{"registry-scheme.yaml", ErrInvalidValue, 5, "registries.allowed[0]", "without a scheme"},
		{"vex-missing.yaml", ErrVEX, 4, "vex[0]", "does-not-exist.openvex.json"},
		{"vex-invalid-statement.yaml", ErrVEX, 4, "vex[0]", "justification or impact statement"},
		{"vex-not-openvex.yaml", ErrVEX, 4, "vex[0]", "not an OpenVEX document"},
		{"rule-type-error.yaml", ErrRuleCompile, 6, "rules[0].deny", "undefined field 'nmae'"},
		{"rule-syntax-error.yaml", ErrRuleCompile, 6, "rules[0].deny", `rule "broken"`},
		{"rule-not-bool.yaml", ErrRuleCompile, 6, "rules[0].deny", "type string, want bool"},
		{"rule-deny-and-allow.yaml", ErrInvalidValue, 7, "rules[0].allow", "both deny and allow"},
		{"rule-no-message.yaml", ErrMissingField, 4, "rules[0].message", `rule "quiet" needs a message`},
		{"rule-ids-type.yaml", ErrRuleCompile, 7, "rules[0].ids", "want list(string)"},
		{"rule-duplicate-name.yaml", ErrInvalidValue, 7, "rules[1].name", "used twice"},
		{"two-documents.yaml", ErrSyntax, 3, "", "more than one YAML document"},
		{"value-wrong-type.yaml", ErrInvalidValue, 3, "fixableOnly", `want true or false, got "sometimes"`},
		{"section-wrong-type.yaml", ErrInvalidValue, 3, "severity", "want a mapping with failOn, source, unknownAs, got a list"},
		{"vex-not-a-list.yaml", ErrInvalidValue, 3, "vex", `want a list, got "app.openvex.json"`},
		{"exception-not-a-mapping.yaml", ErrInvalidValue, 4, "exceptions[0]", "want a mapping with expires, id, package, purl, reason"},
		{"empty.yaml", ErrSyntax, 0, "", "empty"},
		{"yaml-syntax.yaml", ErrSyntax, 0, "", "found unexpected end of stream"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", "invalid", tt.file)
			p, err := Load(path)
			if err == nil {
				t.Fatalf("Load(%s) = %v, want an error", tt.file, p.ID())
			}
			if !errors.Is(err, tt.kind) {
				t.Errorf("error %q: errors.Is(%v) = false", err, tt.kind)
			}
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("error %q (%T) is not a *LoadError", err, err)
			}
			if !le.InvalidInput() {
				t.Errorf("InvalidInput() = false, want true")
			}
			if le.File != path {
				t.Errorf("File = %q, want %q", le.File, path)
			}
			if tt.line != 0 && le.Line != tt.line {
				t.Errorf("Line = %d, want %d (error %q)", le.Line, tt.line, err)
			}
			if le.Field != tt.field {
				t.Errorf("Field = %q, want %q", le.Field, tt.field)
			}
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("error %q does not contain %q", err, tt.text)
			}
			if !strings.HasPrefix(err.Error(), path) {
				t.Errorf("error %q does not start with the file name", err)
			}
		})
	}
}

func TestLoadValid(t *testing.T) {
	p, err := Load(filepath.Join("testdata", "full.yaml"))
	if err != nil {
		t.Fatalf("Load(full.yaml): %v", err)
	}
	checks := []struct {
		what      string
		got, want any
	}{
		{"name", p.ID().Name, "production"},
		{"failOn", severityName(p.failOn), "high"},
		{"unknownAs", severityName(p.unknownAs), "medium"},
		{"fixableOnly", p.fixableOnly, true},
		{"exceptions", len(p.exceptions), 2},
		{"vex documents", len(p.vex), 1},
		{"registries", strings.Join(p.registries, ","), "registry.local:5000,ghcr.io/example"},
		{"maxAge", p.maxAge.Hours(), 90 * 24.0},
		{"rules", len(p.rules), 3},
		{"digest prefix", p.ID().Digest[:7], "sha256:"},
		{"digest length", len(p.ID().Digest), 7 + 64},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}

	m, err := Load(filepath.Join("testdata", "minimal.yaml"))
	if err != nil {
		t.Fatalf("Load(minimal.yaml): %v", err)
	}
	if got, want := m.ID().Name, "minimal"; got != want {
		t.Errorf("unnamed policy name = %q, want the file's base name %q", got, want)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join("testdata", "no-such-policy.yaml"))
	var le *LoadError
	if !errors.As(err, &le) || !le.InvalidInput() {
		t.Fatalf("Load(missing) = %v, want a *LoadError with exit code 2", err)
	}
	if !strings.Contains(err.Error(), "no-such-policy.yaml") {
		t.Errorf("error %q does not name the file", err)
	}
}

// Paths that are not regular files are refused rather than read: a device
// or a pipe would block or never end.
func TestLoadIrregularFiles(t *testing.T) {
	if _, err := Load("testdata"); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("Load(a folder) = %v, want a not-a-regular-file error", err)
	}
	if _, err := New(WithVEX(os.DevNull)); !errors.Is(err, ErrVEX) || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("New(WithVEX(%s)) = %v, want ErrVEX saying not a regular file", os.DevNull, err)
	}
	big := filepath.Join(t.TempDir(), "big.openvex.json")
	if err := os.WriteFile(big, make([]byte, maxVEXSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(WithVEX(big)); !errors.Is(err, ErrVEX) || !strings.Contains(err.Error(), "byte limit") {
		t.Errorf("New(WithVEX(oversized)) = %v, want ErrVEX naming the limit", err)
	}
}

func TestDigest(t *testing.T) {
	base := mustParse(t, "severity:\n  failOn: high\n")
	same := mustParse(t, "# a comment changes nothing\nseverity:\n    failOn: high\n")
	other := mustParse(t, "severity:\n  failOn: critical\n")
	overridden := mustParse(t, "severity:\n  failOn: critical\n", WithFailOn(match.SeverityHigh))
	if base.ID().Digest != same.ID().Digest {
		t.Errorf("digests differ for the same effective policy: %s, %s", base.ID().Digest, same.ID().Digest)
	}
	if base.ID().Digest == other.ID().Digest {
		t.Errorf("digest %s is the same for failOn high and critical", base.ID().Digest)
	}
	if base.ID().Digest != overridden.ID().Digest {
		t.Errorf("failOn critical overridden to high has digest %s, want %s", overridden.ID().Digest, base.ID().Digest)
	}
}

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
