// Package gate is the CI gate: it scans a freshly built image (an OCI
// layout or docker archive) or one waiting in a staging repository, judges
// it with one policy, and only when it passes pushes it by digest, attaches
// signed attestations (CycloneDX SBOM, scan result, SLSA provenance,
// verdict), signs the digest and, last, moves the tag. A failing image
// leaves the registry untouched: not one blob is pushed.
package gate

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/drydock/drydock/catalog"
	"github.com/drydock/drydock/image"
	"github.com/drydock/drydock/policy"
	"github.com/drydock/drydock/report"
	"github.com/drydock/drydock/scan"
	"github.com/drydock/drydock/sign"
)

// Config is one gate run.
type Config struct {
	// Source is the image to gate: oci:DIR[:TAG], docker-archive:FILE[:TAG],
	// or a registry reference (promotion from staging).
	Source string
	// Push is where a passing image goes: REGISTRY/REPO:TAG.
	Push string
	// Policy judges the image; nil means Strict().
	Policy *policy.Policy
	// Signer signs the digest and the attestations.
	Signer *sign.Signer
	// Scanner is the process's one scanner (database, layer cache).
	Scanner *scan.Scanner
	// DBURI names the vulnerability database in the scan-result
	// attestation; DBVersion overrides the version the scan reports.
	DBURI, DBVersion string
	ImageOptions     []image.Option
	CatalogOptions   []catalog.Option
	Access           image.RegistryAccess
	Provenance       Provenance
	// SARIF and JUnit are report files written on pass and on fail.
	SARIF, JUnit string
	// ToolVersion is drydock's version for the attestations.
	ToolVersion string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Step is one thing the gate did, in order, with how long it took.
type Step struct {
	Name     string
	Duration time.Duration
}

// Result is what the gate found and did.
type Result struct {
	Scan *scan.Result
	// Digest is what was (or would have been) pushed: REPO@sha256:….
	Digest name.Digest
	// Tag is the tag moved; empty unless every step succeeded.
	Tag   string
	Steps []Step
}

// Strict is the gate's policy without --policy: any known vulnerability
// fails, fixable or not, whatever its severity (unknown counts as low),
// until the policy file excepts it with a reason and an expiry.
func Strict() *policy.Policy {
	p, err := policy.Parse([]byte(strictPolicy), "gate-strict")
	if err != nil {
		panic("gate: the strict policy does not parse: " + err.Error())
	}
	return p
}

const strictPolicy = `apiVersion: drydock/v1
kind: Policy
name: gate-strict
description: Any known vulnerability fails, fixable or not, until an exception with a reason and an expiry says otherwise.
severity:
  failOn: low
  unknownAs: low
`

// Run gates one image. A failing policy returns the result and a
// *policy.Failure, having pushed nothing. A failing step after the push
// started returns a *StepError and leaves the tag where it was.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	if cfg.Scanner == nil {
		return nil, &Error{Op: "config", Err: errors.New("no scanner"), Input: true}
	}
	if cfg.Signer == nil {
		return nil, &Error{Op: "config", Err: errors.New("a signing key is required"), Input: true}
	}
	if cfg.Policy == nil {
		cfg.Policy = Strict()
	}
	tag, err := name.NewTag(cfg.Push, cfg.Access.NameOptions()...)
	if err != nil || !strings.Contains(cfg.Push, ":") || strings.Contains(cfg.Push, "@") {
		return nil, &Error{Op: "--push", Err: fmt.Errorf("%q: want REGISTRY/REPO:TAG", cfg.Push), Input: true}
	}
	if err := cfg.Provenance.check(); err != nil {
		return nil, err
	}
	started := now()
	if cfg.Provenance.StartedOn.IsZero() {
		cfg.Provenance.StartedOn = started
	}
	src, err := openSource(ctx, cfg.Source, cfg.Access)
	if err != nil {
		return nil, err
	}
	res := &Result{}
	mark := func(name string, since time.Time) { res.Steps = append(res.Steps, Step{name, now().Sub(since)}) }

	t0 := now()
	opts := []scan.Option{scan.WithPolicy(cfg.Policy), scan.WithImageOptions(cfg.ImageOptions...), scan.WithCatalogOptions(cfg.CatalogOptions...)}
	res.Scan, err = cfg.Scanner.Scan(ctx, cfg.Source, opts...)
	if err != nil {
		return nil, err
	}
	scanned := now()
	mark("scan", t0)
	if cfg.Provenance.FinishedOn.IsZero() {
		cfg.Provenance.FinishedOn = scanned
	}
	dgst, err := src.digest()
	if err != nil {
		return nil, err
	}
	res.Digest = tag.Context().Digest(dgst.String())
	if cfg.DBVersion == "" {
		cfg.DBVersion = res.Scan.Database.Version()
	}
	if err := writeReports(res.Scan, cfg); err != nil {
		return res, err
	}
	if err := res.Scan.Err(); err != nil {
		return res, err // nothing pushed
	}

	ropts, err := sign.Session(cfg.Access.RemoteOptions(ctx))
	if err != nil {
		return res, &StepError{Step: "connect", Err: err}
	}
	t0 = now()
	desc, err := src.push(ctx, res.Digest, ropts)
	if err != nil {
		return res, &StepError{Step: "push " + res.Digest.String(), Err: err}
	}
	mark("push", t0)

	target := &sign.Target{Digest: res.Digest, Descriptor: desc, Remote: ropts}
	base, baseDigest := src.base()
	if cfg.Provenance.BaseImage != "" {
		base, baseDigest, _ = strings.Cut(cfg.Provenance.BaseImage, "@")
	}
	t0 = now()
	atts := []struct {
		predicateType string
		make          func() ([]byte, error)
	}{
		{sign.PredicateCycloneDX, func() ([]byte, error) { return sbomPredicate(res.Scan, cfg.ToolVersion) }},
		{sign.PredicateVuln, func() ([]byte, error) { return vulnPredicate(res.Scan, &cfg, t0, scanned) }},
		{sign.PredicateSLSAProvenance, func() ([]byte, error) {
			return provenancePredicate(cfg.Provenance, res.Digest.String(), dependencies(cfg.Provenance, base, baseDigest))
		}},
		{sign.PredicateVerdict, func() ([]byte, error) { return verdictPredicate(res.Scan, &cfg, res.Digest.String()) }},
	}
	for _, a := range atts {
		pred, err := a.make()
		if err != nil {
			return res, &StepError{Step: "attest " + a.predicateType, Err: err}
		}
		if err := cfg.Signer.Attest(ctx, target, a.predicateType, pred, sign.FormatBundle); err != nil {
			return res, &StepError{Step: "attest " + a.predicateType, Err: err}
		}
	}
	mark("attest", t0)
	t0 = now()
	if err := cfg.Signer.Sign(ctx, target, sign.FormatBundle); err != nil {
		return res, &StepError{Step: "sign", Err: err}
	}
	mark("sign", t0)
	t0 = now()
	if err := src.tag(ctx, tag, ropts); err != nil {
		return res, &StepError{Step: "tag " + tag.String(), Err: err}
	}
	mark("tag", t0)
	res.Tag = tag.String()
	return res, nil
}

// writeReports writes the SARIF and JUnit files asked for.
func writeReports(res *scan.Result, cfg Config) error {
	for _, r := range []struct {
		path   string
		format report.Format
	}{{cfg.SARIF, report.FormatSARIF}, {cfg.JUnit, report.FormatJUnit}} {
		if r.path == "" {
			continue
		}
		f, err := os.Create(r.path)
		if err != nil {
			return &Error{Op: "report", Err: err, Input: true}
		}
		werr := report.Write(f, r.format, res.Report(0, cfg.ToolVersion))
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return &Error{Op: "report " + r.path, Err: werr}
		}
	}
	return nil
}
