package gate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	provv1 "github.com/in-toto/attestation/go/predicates/provenance/v1"
	intotov1 "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/drydock/drydock/policy"
	"github.com/drydock/drydock/report"
	"github.com/drydock/drydock/sbom"
	"github.com/drydock/drydock/scan"
)

// BuildType is the SLSA build type the gate records when the caller names none.
const BuildType = "https://drydock.dev/gate/build/v1"

// scannerURI names drydock as the scanner in the vuln predicate.
const scannerURI = "pkg:golang/github.com/drydock/drydock"

// Provenance is what the CI job knows about the build, for the SLSA
// provenance v1 attestation.
type Provenance struct {
	// SourceRepo and SourceRev are the repository URL and the commit built.
	SourceRepo, SourceRev string
	// BuilderID names the CI pipeline that built and gated the image.
	BuilderID string
	// BuildType is the SLSA build type; "" means BuildType.
	BuildType string
	// InvocationID identifies this run (a CI job URL or ID).
	InvocationID string
	// StartedOn and FinishedOn bound the build; zero StartedOn means when
	// the gate started, zero FinishedOn when its scan finished.
	StartedOn, FinishedOn time.Time
	// BaseImage is the base image as "name@sha256:…", when known (else it
	// is read from the manifest's org.opencontainers.image.base.* annotations).
	BaseImage string
}

// check refuses what the provenance attestation could not carry, before
// anything is scanned or pushed.
func (p Provenance) check() error {
	if p.SourceRev != "" {
		if n := len(p.SourceRev); (n != 40 && n != 64) || strings.Trim(strings.ToLower(p.SourceRev), "0123456789abcdef") != "" {
			return &Error{Op: "--source-rev", Err: fmt.Errorf("%q: want the full commit ID (40 or 64 hex digits)", p.SourceRev), Input: true}
		}
	}
	if p.SourceRev != "" && p.SourceRepo == "" {
		return &Error{Op: "--source-rev", Err: errors.New("needs --source-repo"), Input: true}
	}
	return nil
}

// provenancePredicate is the SLSA provenance v1 predicate for the image.
func provenancePredicate(p Provenance, target string, deps []*intotov1.ResourceDescriptor) ([]byte, error) {
	bt := p.BuildType
	if bt == "" {
		bt = BuildType
	}
	ext := map[string]any{"image": target}
	if p.SourceRepo != "" {
		src := map[string]any{"uri": p.SourceRepo}
		if p.SourceRev != "" {
			src["revision"] = p.SourceRev
		}
		ext["source"] = src
	}
	extS, err := structpb.NewStruct(ext)
	if err != nil {
		return nil, err
	}
	pred := &provv1.Provenance{
		BuildDefinition: &provv1.BuildDefinition{
			BuildType:            bt,
			ExternalParameters:   extS,
			ResolvedDependencies: deps,
		},
		RunDetails: &provv1.RunDetails{
			Builder: &provv1.Builder{Id: p.BuilderID},
			Metadata: &provv1.BuildMetadata{
				InvocationId: p.InvocationID,
				StartedOn:    timestamppb.New(p.StartedOn),
				FinishedOn:   timestamppb.New(p.FinishedOn),
			},
		},
	}
	if err := pred.Validate(); err != nil {
		return nil, &Error{Op: "provenance", Err: err, Input: true}
	}
	return protojson.Marshal(pred)
}

// dependencies are the resolved dependencies: the source commit and the
// base image, where known.
func dependencies(p Provenance, baseName, baseDigest string) []*intotov1.ResourceDescriptor {
	var deps []*intotov1.ResourceDescriptor
	if p.SourceRepo != "" {
		d := &intotov1.ResourceDescriptor{Uri: "git+" + p.SourceRepo}
		if p.SourceRev != "" {
			d.Uri += "@" + p.SourceRev
			d.Digest = map[string]string{"gitCommit": p.SourceRev}
		}
		deps = append(deps, d)
	}
	if baseDigest != "" {
		alg, hex, ok := strings.Cut(baseDigest, ":")
		if ok {
			deps = append(deps, &intotov1.ResourceDescriptor{Name: "base-image", Uri: "oci://" + baseName, Digest: map[string]string{alg: hex}})
		}
	}
	return deps
}

// sbomPredicate is the image's CycloneDX SBOM.
func sbomPredicate(res *scan.Result, toolVersion string) ([]byte, error) {
	var b bytes.Buffer
	var opts []sbom.Option
	if toolVersion != "" {
		opts = append(opts, sbom.WithToolVersion(toolVersion))
	}
	if err := sbom.Write(&b, res.Inventory, sbom.FormatCycloneDX, opts...); err != nil {
		return nil, fmt.Errorf("gate: SBOM: %w", err)
	}
	return b.Bytes(), nil
}

// vulnPredicate is the scan result in cosign's vuln predicate
// (https://cosign.sigstore.dev/attestation/vuln/v1): scanner, database
// version, and drydock's JSON report as the result.
func vulnPredicate(res *scan.Result, cfg *Config, started, finished time.Time) ([]byte, error) {
	var rep bytes.Buffer
	if err := report.Write(&rep, report.FormatJSON, res.Report(0, cfg.ToolVersion)); err != nil {
		return nil, fmt.Errorf("gate: scan report: %w", err)
	}
	return json.Marshal(map[string]any{
		"invocation": map[string]any{
			"parameters": []string{},
			"uri":        cfg.Provenance.InvocationID,
			"event_id":   "",
			"builder.id": cfg.Provenance.BuilderID,
		},
		"scanner": map[string]any{
			"uri":     scannerURI,
			"version": version(cfg.ToolVersion),
			"db":      map[string]any{"uri": cfg.DBURI, "version": cfg.DBVersion},
			"result":  json.RawMessage(rep.Bytes()),
		},
		"metadata": map[string]any{
			"scanStartedOn":  started.UTC().Format(time.RFC3339),
			"scanFinishedOn": finished.UTC().Format(time.RFC3339),
		},
	})
}

// Verdict is drydock's verdict predicate
// (https://drydock.dev/attestation/verdict/v1): the decision a protected
// namespace checks before it lets a tag move.
type Verdict struct {
	// Verdict is "pass" or "fail".
	Verdict string `json:"verdict"`
	// Policy names the policy and its digest.
	Policy policy.PolicyID `json:"policy"`
	// Image is the reference pushed; ScannedDigest the digest the scan
	// read (the same, except for a docker archive re-encoded on push).
	Image         string `json:"image"`
	ScannedDigest string `json:"scannedDigest,omitempty"`
	// At is when the policy judged.
	At time.Time `json:"at"`
	// Reasons are why a failing verdict failed.
	Reasons []policy.Reason `json:"reasons,omitempty"`
	// Suppressed are findings the policy's exceptions and VEX set aside.
	Suppressed []policy.Suppression `json:"suppressed,omitempty"`
	// Findings counts the findings that still count, per severity.
	Findings report.Counts `json:"findings"`
	// Scanner and DBVersion say what judged and with which data.
	Scanner   string `json:"scanner"`
	DBVersion string `json:"dbVersion,omitempty"`
}

func verdictPredicate(res *scan.Result, cfg *Config, image string) ([]byte, error) {
	v := res.Verdict
	out := Verdict{
		Verdict: "fail", Policy: v.Policy, Image: image, ScannedDigest: res.Inventory.Digest, At: v.At,
		Reasons: v.Reasons, Suppressed: v.Suppressed, Findings: report.Count(v.Findings),
		Scanner: scannerURI + "@" + version(cfg.ToolVersion), DBVersion: cfg.DBVersion,
	}
	if v.Pass {
		out.Verdict = "pass"
	}
	return json.Marshal(out)
}

func version(v string) string {
	if v == "" {
		return "devel"
	}
	return v
}
