// Package sbom writes an image's inventory as a software bill of materials
// and reads one back. It speaks CycloneDX 1.6 JSON, SPDX 2.3 JSON, drydock's
// own inventory JSON and a human table, and it reads any of the three JSON
// forms, including CycloneDX and SPDX documents made by other tools, into the
// same inventory.Inventory. drydock writes everything the inventory knows
// (layers, the layer that introduced each package, the build step behind it)
// into fields or properties the standards allow, so that a stored SBOM can
// replace the image for the stages after it: matching and policy.
package sbom

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/drydock/drydock/internal/build"
	"github.com/drydock/drydock/inventory"
)

// Format names an output format.
type Format string

// The output formats.
const (
	FormatTable     Format = "table"     // aligned columns for people
	FormatJSON      Format = "json"      // drydock's inventory JSON (docs/json-format.md)
	FormatCycloneDX Format = "cyclonedx" // CycloneDX 1.6 JSON
	FormatSPDX      Format = "spdx"      // SPDX 2.3 JSON
)

// Formats lists every format Write accepts, in the order help text shows them.
var Formats = []Format{FormatTable, FormatJSON, FormatCycloneDX, FormatSPDX}

// ParseFormat checks a format name given by a user ("cyclonedx-json" and
// "spdx-json" name cyclonedx and spdx). The error is an
// *UsageError wrapping ErrUnknownFormat.
func ParseFormat(s string) (Format, error) {
	f := Format(strings.ToLower(strings.TrimSpace(s)))
	if f == "cyclonedx-json" || f == "spdx-json" {
		f = Format(strings.TrimSuffix(string(f), "-json")) // the names Trivy and Syft users type
	}
	if slices.Contains(Formats, f) {
		return f, nil
	}
	names := make([]string, len(Formats))
	for i, f := range Formats {
		names[i] = string(f)
	}
	return "", &UsageError{Err: fmt.Errorf("%w %q (want one of %s)", ErrUnknownFormat, s, strings.Join(names, ", "))}
}

// Writer writes one inventory in one format.
type Writer interface {
	Write(w io.Writer, inv *inventory.Inventory) error
}

// NewWriter returns the writer for format f.
func NewWriter(f Format, opts ...Option) (Writer, error) {
	o, err := makeOptions(opts)
	if err != nil {
		return nil, err
	}
	switch f {
	case FormatTable:
		return tableWriter{width: o.width}, nil
	case FormatJSON:
		return jsonWriter{}, nil
	case FormatCycloneDX:
		return cycloneDXWriter{o}, nil
	case FormatSPDX:
		return spdxWriter{o}, nil
	}
	_, err = ParseFormat(string(f))
	return nil, err
}

// Write writes inv to w in format f.
func Write(w io.Writer, inv *inventory.Inventory, f Format, opts ...Option) error {
	wr, err := NewWriter(f, opts...)
	if err != nil {
		return err
	}
	return wr.Write(w, inv)
}

// Option configures the CycloneDX and SPDX writers.
type Option func(*options) error

type options struct {
	now         time.Time
	toolVersion string
	width       int
}

// WithWidth makes the table fit a terminal of n columns, long names,
// versions and paths cut with "…" (the other formats carry them whole).
// Default: 0, no limit. Other formats ignore it.
func WithWidth(n int) Option {
	return func(o *options) error {
		if n < 0 {
			return &UsageError{Err: fmt.Errorf("sbom: WithWidth(%d): negative width", n)}
		}
		o.width = n
		return nil
	}
}

// WithTime sets the generation time written into CycloneDX metadata and SPDX
// creation info. The default is the current time, in UTC, to the second; tests
// pin it so that output is byte-for-byte reproducible.
func WithTime(t time.Time) Option {
	return func(o *options) error {
		if t.IsZero() {
			return &UsageError{Err: fmt.Errorf("sbom: WithTime: zero time")}
		}
		o.now = t.UTC().Truncate(time.Second)
		return nil
	}
}

// WithToolVersion sets the drydock version named as the SBOM's creator tool.
// The default is the running build's version (see internal/build).
func WithToolVersion(v string) Option {
	return func(o *options) error {
		if strings.TrimSpace(v) == "" {
			return &UsageError{Err: fmt.Errorf("sbom: WithToolVersion: empty version")}
		}
		o.toolVersion = v
		return nil
	}
}

func makeOptions(opts []Option) (*options, error) {
	o := &options{now: time.Now().UTC().Truncate(time.Second), toolVersion: build.Version()}
	for _, opt := range opts {
		if err := opt(o); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// sortedPackages returns a copy of inv's packages in the one order every
// writer and reader uses, so that output does not depend on how the catalog
// happened to append them.
func sortedPackages(pkgs []inventory.Package) []inventory.Package {
	out := slices.Clone(pkgs)
	slices.SortStableFunc(out, comparePackages)
	return out
}

func comparePackages(a, b inventory.Package) int {
	if c := strings.Compare(a.Type, b.Type); c != 0 {
		return c
	}
	if c := strings.Compare(a.Name, b.Name); c != 0 {
		return c
	}
	if c := strings.Compare(a.Version, b.Version); c != 0 {
		return c
	}
	if c := strings.Compare(a.Path, b.Path); c != 0 {
		return c
	}
	if a.Layer != b.Layer {
		return a.Layer - b.Layer
	}
	return strings.Compare(a.PURL, b.PURL)
}
