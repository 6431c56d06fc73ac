// Package scan judges images: it opens an image (or reads a stored SBOM),
// catalogs it, matches its packages against the vulnerability database and
// judges the findings with one policy. A Scanner is built once per process
// with its database, default policy and layer cache, and serves every
// caller — `drydock scan`, the CI gate, the registry's scan on push — so an
// image is judged the same way everywhere; each call may bring its own
// policy (a namespace's, a pipeline's).
package scan

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/drydock/drydock/catalog"
	"github.com/drydock/drydock/image"
	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/match"
	"github.com/drydock/drydock/policy"
	"github.com/drydock/drydock/report"
	"github.com/drydock/drydock/sbom"
)

// SBOMPrefix marks a reference that names a stored SBOM rather than an image.
const SBOMPrefix = "sbom:"

// Scanner judges images against one vulnerability database. It is safe for
// concurrent use; build one per process.
type Scanner struct {
	src  match.Source
	defs options
}

// New builds a scanner over src with opts as the defaults of every call.
func New(src match.Source, opts ...Option) (*Scanner, error) {
	if src == nil {
		return nil, &OptionError{errors.New("scan: New: no vulnerability source")}
	}
	s := &Scanner{src: src}
	for _, opt := range opts {
		if err := opt(&s.defs); err != nil {
			return nil, err
		}
	}
	if s.defs.policy == nil {
		s.defs.policy = policy.Default()
	}
	return s, nil
}

// Result is what a scan found and decided.
type Result struct {
	// Inventory is the image's catalog.
	Inventory *inventory.Inventory
	// Findings are every finding, before the policy's suppressions.
	Findings []match.Finding
	// Verdict is the policy's decision; its Findings are those that count,
	// its FailOn the threshold applied and its Blocking the IDs that fail it.
	Verdict *policy.Verdict
	// Warnings are input skipped while cataloging and matching.
	Warnings []string
	// Database says which vulnerability data the findings come from.
	Database Database
}

// Database identifies the vulnerability data a scan matched against.
type Database struct {
	// Built is when the database file was written; zero when the source
	// does not say (an in-memory source).
	Built time.Time `json:"built,omitzero"`
	// Checked is when its data was last known current.
	Checked time.Time `json:"checked,omitzero"`
}

// Version names the database for a stored verdict: its build time, or ""
// when unknown.
func (d Database) Version() string {
	if d.Built.IsZero() {
		return ""
	}
	return d.Built.UTC().Format(time.RFC3339)
}

// described is what vulndb.DB tells about itself.
type described interface {
	Built() time.Time
	Checked() time.Time
}

// Scan judges the image ref: "sbom:FILE" or any image.Open reference
// (docker-archive:, oci:, dir:, a registry reference). It returns an error
// only when it could not scan or judge; a policy that refuses the image is
// a Result whose Err is a *policy.Failure.
func (s *Scanner) Scan(ctx context.Context, ref string, opts ...Option) (*Result, error) {
	o, err := s.call(opts)
	if err != nil {
		return nil, err
	}
	inv, err := Inventory(ctx, ref, o.imageOpts, o.catalogOpts)
	if err != nil {
		return nil, err
	}
	return s.judge(ctx, ref, inv, o)
}

// ScanImage judges an image already open, such as one read straight from
// the registry's own store.
func (s *Scanner) ScanImage(ctx context.Context, img image.Image, opts ...Option) (*Result, error) {
	o, err := s.call(opts)
	if err != nil {
		return nil, err
	}
	inv, err := catalog.Catalog(ctx, img, o.catalogOpts...)
	if err != nil {
		return nil, err
	}
	return s.judge(ctx, img.Source(), inv, o)
}

// ScanInventory matches and judges an inventory cataloged earlier (a stored
// SBOM), without reading any image.
func (s *Scanner) ScanInventory(ctx context.Context, inv *inventory.Inventory, opts ...Option) (*Result, error) {
	if inv == nil {
		return nil, &OptionError{errors.New("scan: ScanInventory: no inventory")}
	}
	o, err := s.call(opts)
	if err != nil {
		return nil, err
	}
	return s.judge(ctx, inv.Source, inv, o)
}

func (s *Scanner) call(opts []Option) (options, error) {
	o := s.defs
	o.imageOpts = append([]image.Option(nil), o.imageOpts...)
	o.catalogOpts = append([]catalog.Option(nil), o.catalogOpts...)
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return o, err
		}
	}
	return o, nil
}

func (s *Scanner) judge(ctx context.Context, name string, inv *inventory.Inventory, o options) (*Result, error) {
	if o.name != "" {
		inv.Name = o.name
	}
	res := &Result{Inventory: inv, Warnings: append([]string(nil), inv.Warnings...)}
	if d, ok := s.src.(described); ok {
		res.Database = Database{Built: d.Built().UTC(), Checked: d.Checked().UTC()}
	}
	var err error
	res.Findings, err = match.Match(ctx, inv, s.src, match.WithWarnings(func(msg string) {
		res.Warnings = append(res.Warnings, msg)
	}))
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", name, err)
	}
	var now time.Time
	if o.now != nil {
		now = o.now()
	}
	res.Verdict, err = o.policy.Evaluate(ctx, policy.Input{Inventory: inv, Findings: res.Findings, Now: now})
	if err != nil {
		return nil, fmt.Errorf("scan %s: judging: %w", name, err)
	}
	return res, nil
}

// Run scans the image ref once with a scanner built for the call; see
// Scanner.Scan. Callers that scan more than one image build a Scanner.
func Run(ctx context.Context, ref string, src match.Source, opts ...Option) (*Result, error) {
	s, err := New(src)
	if err != nil {
		return nil, err
	}
	return s.Scan(ctx, ref, opts...)
}

// Inventory reads the stored SBOM for "sbom:FILE" and catalogs the image
// for any other reference.
func Inventory(ctx context.Context, ref string, imageOpts []image.Option, catalogOpts []catalog.Option) (*inventory.Inventory, error) {
	if path, ok := strings.CutPrefix(ref, SBOMPrefix); ok {
		if path == "" {
			return nil, &OptionError{errors.New("scan: sbom: needs a file name")}
		}
		return sbom.ReadFile(path)
	}
	img, err := image.Open(ctx, ref, imageOpts...)
	if err != nil {
		return nil, err
	}
	return catalog.Catalog(ctx, img, catalogOpts...)
}

// Report is the result as package report writes it: the findings that
// count after the policy's suppressions, with the threshold and the
// blocking findings taken from the verdict. failOn is shown only when
// there is no verdict.
func (r *Result) Report(failOn match.Severity, toolVersion string) *report.Report {
	return &report.Report{
		Inventory:   r.Inventory,
		Findings:    r.Verdict.Findings,
		FailOn:      failOn,
		Verdict:     r.Verdict,
		Warnings:    r.Warnings,
		ToolVersion: toolVersion,
	}
}

// Err is nil when the policy passed the image, else a *policy.Failure
// listing every reason (exit code 1).
func (r *Result) Err() error { return r.Verdict.Err() }
