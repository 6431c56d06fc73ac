package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/drydock/drydock/gate"
	"github.com/drydock/drydock/policy"
	"github.com/drydock/drydock/report"
	"github.com/drydock/drydock/scan"
	"github.com/drydock/drydock/vulndb"
)

func init() { addCommand(newGateCmd) }

// gateFlags are the flags of `drydock gate`.
type gateFlags struct {
	imageFlags
	push, policy, key, db, sarif, junit string
	prov                                gate.Provenance
	started                             string
}

func newGateCmd() *cobra.Command {
	var f gateFlags
	cmd := &cobra.Command{
		Use:   "gate IMAGE --push REGISTRY/REPO:TAG --key cosign.key [--policy FILE]",
		Short: "Scan and judge an image; only if it passes push it, attest it, sign it and move the tag",
		Long: "Gate IMAGE (oci:DIR[:TAG], docker-archive:FILE, or a staging registry reference to promote).\n" +
			"Without --policy any known vulnerability fails. On failure nothing is pushed (exit 1) and the\n" +
			"--sarif/--junit reports are written. On pass the image is pushed by digest, the CycloneDX SBOM,\n" +
			"scan result, SLSA provenance and verdict are attached as signed attestations, the digest is\n" +
			"signed, and only then the tag moves; if any of that fails the tag stays where it was (exit 3).\n" +
			"Registry credentials: --username/--password or $DRYDOCK_USERNAME/$DRYDOCK_PASSWORD (a robot).\n" +
			"Provenance defaults come from GitHub Actions or GitLab CI variables when they are set.",
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runGate(cmd.Context(), args[0], f, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.push, "push", "", "where a passing image goes: REGISTRY/REPO:TAG (required)")
	fl.StringVar(&f.policy, "policy", "", "policy file (default: strict, any known vulnerability fails)")
	fl.StringVar(&f.key, "key", "", "private key to sign with (cosign.key; password from $COSIGN_PASSWORD)")
	fl.StringVar(&f.db, "db", "", "vulnerability database (default $DRYDOCK_DB or "+vulndb.DefaultPath()+")")
	fl.StringVar(&f.sarif, "sarif", "", "write the scan as SARIF to FILE")
	fl.StringVar(&f.junit, "junit", "", "write the scan as JUnit XML to FILE")
	fl.StringVar(&f.prov.SourceRepo, "source-repo", "", "source repository URL (default from CI variables)")
	fl.StringVar(&f.prov.SourceRev, "source-rev", "", "full commit ID built (default from CI variables)")
	fl.StringVar(&f.prov.BuilderID, "builder-id", "", "ID of the CI pipeline that built the image (default from CI variables)")
	fl.StringVar(&f.prov.BuildType, "build-type", "", "SLSA build type URI (default "+gate.BuildType+")")
	fl.StringVar(&f.prov.BaseImage, "base-image", "", "base image NAME@sha256:… (default: the manifest's org.opencontainers.image.base.* annotations)")
	fl.StringVar(&f.started, "build-started", "", "when the build started, RFC 3339 (default $CI_JOB_STARTED_AT, else when the gate started)")
	f.imageFlags.addFlags(fl)
	return cmd
}

func runGate(ctx context.Context, src string, f gateFlags, stdout, stderr io.Writer) error {
	if f.push == "" {
		return usageError{errors.New("--push REGISTRY/REPO:TAG is required")}
	}
	ciDefaults(&f.prov, &f.started)
	if f.started != "" {
		t, err := time.Parse(time.RFC3339, f.started)
		if err != nil {
			return usageError{fmt.Errorf("--build-started %q: want RFC 3339 time", f.started)}
		}
		f.prov.StartedOn = t
	}
	var pol *policy.Policy
	if f.policy != "" {
		p, err := policy.Load(f.policy)
		if err != nil {
			return err
		}
		pol = p
	}
	imageOpts, err := f.imageOptions()
	if err != nil {
		return err
	}
	rf := registryFlags{username: f.username, password: f.password, insecure: f.insecure}
	access, err := rf.access()
	if err != nil {
		return err
	}
	signer, err := loadSigner(f.key, stderr)
	if err != nil {
		return err
	}
	db, dbPath, err := openScanDB(ctx, f.db, f.quiet, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel, err := f.withTimeout(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	scanner, err := scan.New(db)
	if err != nil {
		return err
	}
	res, err := gate.Run(ctx, gate.Config{
		Source: src, Push: f.push, Policy: pol, Signer: signer, Scanner: scanner, DBURI: "file://" + dbPath,
		ImageOptions: imageOpts, CatalogOptions: f.catalogOptions(), Access: access, Provenance: f.prov,
		SARIF: f.sarif, JUnit: f.junit, ToolVersion: toolVersion(),
	})
	if res != nil && res.Scan != nil {
		if !f.quiet {
			for _, w := range res.Scan.Warnings {
				fmt.Fprintln(stderr, "drydock: warning:", w)
			}
		}
		gateSummary(stdout, src, f.push, res, err)
	}
	if err != nil {
		return f.timeoutErr(ctx, err)
	}
	return nil
}

// ciDefaults fills what the flags left empty from GitHub Actions' or
// GitLab CI's variables.
func ciDefaults(p *gate.Provenance, started *string) {
	env := os.Getenv
	set := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	if gh := env("GITHUB_SERVER_URL"); gh != "" && env("GITHUB_REPOSITORY") != "" {
		repo := gh + "/" + env("GITHUB_REPOSITORY")
		set(&p.SourceRepo, repo)
		set(&p.SourceRev, env("GITHUB_SHA"))
		if wf := env("GITHUB_WORKFLOW_REF"); wf != "" {
			set(&p.BuilderID, gh+"/"+wf)
		}
		if id := env("GITHUB_RUN_ID"); id != "" {
			set(&p.InvocationID, repo+"/actions/runs/"+id)
		}
	}
	if gl := env("CI_PROJECT_URL"); gl != "" {
		set(&p.SourceRepo, gl)
		set(&p.SourceRev, env("CI_COMMIT_SHA"))
		set(&p.BuilderID, gl+"/-/blob/"+env("CI_COMMIT_SHA")+"/"+env("CI_CONFIG_PATH"))
		set(&p.InvocationID, env("CI_JOB_URL"))
		set(started, env("CI_JOB_STARTED_AT"))
	}
}

// gateSummary is the one-screen account of a gate run.
func gateSummary(w io.Writer, src, push string, res *gate.Result, err error) {
	v := res.Scan.Verdict
	status := "PASS"
	switch {
	case errors.As(err, new(*policy.Failure)):
		status = "FAIL: nothing was pushed"
	case err != nil:
		status = "ERROR: the tag was not moved"
	}
	fmt.Fprintf(w, "drydock gate: %s\n", status)
	fmt.Fprintf(w, "  image     %s\n  digest    %s\n", src, res.Digest)
	fmt.Fprintf(w, "  policy    %s (%s)\n", v.Policy.Name, v.Policy.Digest)
	c := report.Count(v.Findings)
	fmt.Fprintf(w, "  findings  %d counting: %d critical, %d high, %d medium, %d low, %d unknown; %d suppressed\n",
		c.Total, c.Critical, c.High, c.Medium, c.Low, c.Unknown, len(v.Suppressed))
	for i, r := range v.Reasons {
		if i == 8 {
			fmt.Fprintf(w, "  …         %d more reasons (see the reports)\n", len(v.Reasons)-i)
			break
		}
		msg := r.Message
		if len(r.IDs) > 0 {
			msg += ": " + strings.Join(firstN(r.IDs, 6), ", ")
		}
		fmt.Fprintf(w, "  reason    %s\n", msg)
	}
	var steps []string
	for _, s := range res.Steps {
		steps = append(steps, fmt.Sprintf("%s %s", s.Name, s.Duration.Round(time.Millisecond)))
	}
	fmt.Fprintf(w, "  steps     %s\n", strings.Join(steps, ", "))
	if res.Tag != "" {
		fmt.Fprintf(w, "  pushed    %s (signed; SBOM, scan result, provenance and verdict attested)\n", res.Tag)
	}
}

func firstN(s []string, n int) []string {
	if len(s) > n {
		return append(append([]string{}, s[:n]...), fmt.Sprintf("+%d", len(s)-n))
	}
	return s
}
