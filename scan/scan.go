// Package scan runs drydock's scan of one image from reference to verdict:
// open the image (or read a stored SBOM), catalog it, match its packages
// against the vulnerability database and judge the findings with one
// policy. `drydock scan` is a thin wrapper around Run, so the pipeline is
// tested, and reused by other callers, without a shell.
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

// Result is what a scan found and decided.
type Result struct {
	// Inventory is the image's catalog.
	Inventory *inventory.Inventory
	// Findings are every finding, before the policy's suppressions.
	Findings []match.Finding
	// Verdict is the policy's decision; its Findings are those that count.
	Verdict *policy.Verdict
	// Warnings are input skipped while cataloging and matching.
	Warnings []string
}

// Option configures Run.
type Option func(*options) error

type options struct {
	imageOpts   []image.Option
	catalogOpts []catalog.Option
	policy      *policy.Policy
	now         time.Time
}

// WithImageOptions passes options to image.Open (platform, credentials,
// limits). Default: image.Open's defaults.
func WithImageOptions(opts ...image.Option) Option {
	return func(o *options) error {
		o.imageOpts = append(o.imageOpts, opts...)
		return nil
	}
}

// WithCatalogOptions passes options to catalog.Catalog (cache, limits).
// Default: catalog.Catalog's defaults.
func WithCatalogOptions(opts ...catalog.Option) Option {
	return func(o *options) error {
		o.catalogOpts = append(o.catalogOpts, opts...)
		return nil
	}
}

// WithPolicy judges the findings with p. Default: policy.Default(), which
// enforces nothing, so every scan passes and says so in a note.
func WithPolicy(p *policy.Policy) Option {
	return func(o *options) error {
		if p == nil {
			return &OptionError{errors.New("scan: WithPolicy(nil)")}
		}
		o.policy = p
		return nil
	}
}

// WithTime sets the time the policy judges at (exception expiry, image age).
// Default: the current time.
func WithTime(t time.Time) Option {
	return func(o *options) error {
		if t.IsZero() {
			return &OptionError{errors.New("scan: WithTime: zero time")}
		}
		o.now = t
		return nil
	}
}

// OptionError is a bad option passed to Run.
type OptionError struct{ Err error }

func (e *OptionError) Error() string { return e.Err.Error() }
func (e *OptionError) Unwrap() error { return e.Err }

// InvalidInput reports true: the caller passed a bad option.
func (e *OptionError) InvalidInput() bool { return true }

// Run scans the image ref ("sbom:FILE" or any image.Open reference) against
// src. It returns an error only when it could not scan or judge; a policy
// that refuses the image is a Result whose Err is a *policy.Failure.
func Run(ctx context.Context, ref string, src match.Source, opts ...Option) (*Result, error) {
	o := options{}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	if o.policy == nil {
		o.policy = policy.Default()
	}
	inv, err := Inventory(ctx, ref, o.imageOpts, o.catalogOpts)
	if err != nil {
		return nil, err
	}
	res := &Result{Inventory: inv, Warnings: append([]string(nil), inv.Warnings...)}
	res.Findings, err = match.Match(ctx, inv, src, match.WithWarnings(func(msg string) {
		res.Warnings = append(res.Warnings, msg)
	}))
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", ref, err)
	}
	res.Verdict, err = o.policy.Evaluate(ctx, policy.Input{Inventory: inv, Findings: res.Findings, Now: o.now})
	if err != nil {
		return nil, fmt.Errorf("scan %s: judging: %w", ref, err)
	}
	return res, nil
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
// count after the policy's suppressions, failOn marking the blocking ones.
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
