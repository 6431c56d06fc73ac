package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/spf13/cobra"

	"github.com/drydock/drydock/policy"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/verdict"
)

func init() { addCommand(newVerdictCmd) }

type verdictFlags struct {
	registryFlags
	format, sbom string
}

func newVerdictCmd() *cobra.Command {
	var f verdictFlags
	cmd := &cobra.Command{
		Use:   "verdict REF",
		Short: "Show the registry's stored verdict on an image, or its SBOM",
		Long: `Read from a drydock registry the verdict it stored when it scanned REF
(host/namespace/repo:tag or @digest) under the namespace's policy: status,
reasons, blocking findings with fixed versions, finding counts by severity,
last scan and database version; or with --sbom the SBOM it stored.

Exit codes: 0 the image passed, 1 it failed, is pending or its scan errored,
2 usage or input error, 3 internal error.`,
		Example: `  drydock verdict registry.local:5000/prod/app:1.4
  drydock verdict registry.local:5000/prod/app@sha256:… --format json
  drydock verdict registry.local:5000/prod/app:1.4 --sbom spdx > app.spdx.json`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runVerdict(cmd.Context(), args[0], f, cmd.OutOrStdout())
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.format, "format", "table", "table or json")
	fl.StringVar(&f.sbom, "sbom", "", "write the stored SBOM instead, as cyclonedx, spdx or json")
	f.registryFlags.addFlags(fl)
	return cmd
}

func runVerdict(ctx context.Context, ref string, f verdictFlags, out io.Writer) error {
	if f.format != "table" && f.format != "json" {
		return usageError{fmt.Errorf("--format %q: want table or json", f.format)}
	}
	a, err := f.access()
	if err != nil {
		return err
	}
	c := &verdict.Client{Insecure: a.Insecure}
	switch {
	case a.User != "":
		c.Auth = &authn.Basic{Username: a.User, Password: a.Password}
	default:
		if r, err := name.ParseReference(ref); err == nil {
			if a, err := authn.DefaultKeychain.Resolve(r.Context()); err == nil {
				c.Auth = a
			}
		}
	}
	if f.sbom != "" {
		switch f.sbom {
		case "cyclonedx", "spdx", "json":
		default:
			return usageError{fmt.Errorf("--sbom %q: want cyclonedx, spdx or json", f.sbom)}
		}
		return c.SBOM(ctx, ref, f.sbom, out)
	}
	v, err := c.Get(ctx, ref)
	if err != nil {
		return err
	}
	if f.format == "json" {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(v); err != nil {
			return err
		}
	} else if err := writeVerdict(out, v); err != nil {
		return err
	}
	return verdictErr(v)
}

// writeVerdict is the table a person reads.
func writeVerdict(out io.Writer, v *verdict.View) error {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "artifact:\t%s@%s\n", v.Repository, v.Digest)
	status := string(v.Status)
	if v.Policy != "" {
		status += fmt.Sprintf(" (policy %s", v.Policy)
		if v.FailOn != "" {
			status += ", failOn " + v.FailOn
		}
		status += ")"
	}
	fmt.Fprintf(tw, "verdict:\t%s\n", status)
	for _, r := range v.Reasons {
		fmt.Fprintf(tw, "reason:\t%s\n", policy.Reason{Rule: r.Rule, Message: r.Message, IDs: r.IDs})
	}
	if v.Error != "" {
		fmt.Fprintf(tw, "error:\t%s\n", v.Error)
	}
	for _, b := range v.Blocking {
		fix := "no fixed version yet"
		if len(b.Fixed) > 0 {
			fix = "fixed in " + strings.Join(b.Fixed, ", ")
		}
		where := ""
		if b.Platform != "" {
			where = " [" + b.Platform + "]"
		}
		fmt.Fprintf(tw, "blocking:\t%s %s in %s %s, %s%s\n", b.ID, b.Severity, b.Package, b.Version, fix, where)
	}
	c := v.Counts
	fmt.Fprintf(tw, "findings:\tcritical %d, high %d, medium %d, low %d, unknown %d\n", c.Critical, c.High, c.Medium, c.Low, c.Unknown)
	if v.ScannedAt != nil {
		fmt.Fprintf(tw, "scanned:\t%s\n", v.ScannedAt.UTC().Format("2006-01-02T15:04:05Z"))
	}
	if v.DBVersion != "" {
		fmt.Fprintf(tw, "database:\tbuilt %s\n", v.DBVersion)
	}
	fmt.Fprintf(tw, "sbom:\t%s\n", map[bool]string{true: "stored (drydock verdict --sbom cyclonedx|spdx)", false: "none"}[v.SBOM])
	return tw.Flush()
}

// verdictErr makes anything but a pass a policy failure (exit 1).
func verdictErr(v *verdict.View) error {
	var reasons []policy.Reason
	switch v.Status {
	case store.VerdictPass:
		return nil
	case store.VerdictPending:
		reasons = []policy.Reason{{Rule: "scan", Message: "not scanned yet (pending)"}}
	case store.VerdictError:
		reasons = []policy.Reason{{Rule: "scan", Message: "the scan failed: " + v.Error}}
	default:
		for _, r := range v.Reasons {
			reasons = append(reasons, policy.Reason{Rule: r.Rule, Message: r.Message, IDs: r.IDs})
		}
	}
	return &policy.Failure{Policy: policy.PolicyID{Name: v.Policy, Digest: v.PolicyDigest}, Reasons: reasons}
}
