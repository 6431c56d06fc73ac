package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/drydock/drydock/internal/build"
	"github.com/drydock/drydock/match"
	"github.com/drydock/drydock/policy"
	"github.com/drydock/drydock/report"
	"github.com/drydock/drydock/scan"
	"github.com/drydock/drydock/vulndb"
)

func init() { addCommand(newScanCmd) }

// scanFlags are the flags of `drydock scan`.
type scanFlags struct {
	imageFlags
	format, failOn, policy, output, db string
	vex                                []string
	ignoreUnfixed                      bool
}

func newScanCmd() *cobra.Command {
	var f scanFlags
	cmd := &cobra.Command{
		Use:   "scan IMAGE",
		Short: "Find the known vulnerabilities in an image and judge them with a policy",
		Long: "Catalog IMAGE (docker-archive:FILE, oci:DIR[:TAG], dir:ROOTFS, a registry reference, or sbom:FILE),\n" +
			"match its packages against the local vulnerability database and report the findings.\n" +
			"Exit codes: 0 pass, 1 policy failure (--fail-on or --policy), 2 usage or input error, 3 internal error.",
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScan(cmd.Context(), args[0], f, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.format, "format", "table", "table, json, sarif, cyclonedx or junit")
	fl.StringVar(&f.failOn, "fail-on", "", "fail (exit 1) on any finding at or above low, medium, high or critical")
	fl.BoolVar(&f.ignoreUnfixed, "ignore-unfixed", false, "leave out findings that have no fixed version yet")
	fl.StringVar(&f.policy, "policy", "", "policy file (YAML) to judge the image with")
	fl.StringArrayVar(&f.vex, "vex", nil, "OpenVEX document whose statements suppress findings (repeatable)")
	fl.StringVarP(&f.output, "output", "o", "", "write the report to FILE (atomically) instead of standard output")
	fl.StringVar(&f.db, "db", "", "vulnerability database (default $DRYDOCK_DB or "+vulndb.DefaultPath()+")")
	f.imageFlags.addFlags(fl)
	return cmd
}

// runScan is the verb without the shell: flags in, report out, and an error
// whose exit code says pass, policy failure, bad input or internal error.
func runScan(ctx context.Context, ref string, f scanFlags, stdout, stderr io.Writer) error {
	format, err := report.ParseFormat(f.format)
	if err != nil {
		return err
	}
	pol, failOn, err := scanPolicy(f)
	if err != nil {
		return err
	}
	imageOpts, err := f.imageOptions()
	if err != nil {
		return err
	}
	dbPath := f.db
	if dbPath == "" {
		dbPath = vulndb.DefaultPath()
	}
	db, err := vulndb.Open(ctx, dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	if db.Stale() {
		fmt.Fprintf(stderr, "drydock: warning: the vulnerability database %s was last checked %s ago (more than %s): run `drydock db update`\n",
			dbPath, db.Age().Round(time.Hour), db.MaxAge())
	}
	opts := []scan.Option{scan.WithPolicy(pol), scan.WithImageOptions(imageOpts...), scan.WithCatalogOptions(f.catalogOptions()...)}
	res, err := scan.Run(ctx, ref, db, opts...)
	if err != nil {
		return err
	}
	for _, w := range res.Warnings {
		fmt.Fprintln(stderr, "drydock: warning:", w)
	}
	rep := res.Report(failOn, toolVersion())
	write := func(w io.Writer) error { return report.Write(w, format, rep) }
	if f.output == "" {
		err = write(stdout)
	} else {
		err = writeAtomic(f.output, write)
	}
	if err != nil {
		return err
	}
	return res.Err()
}

// scanPolicy loads --policy (or starts from the default, which enforces
// nothing) with --fail-on, --ignore-unfixed and --vex winning over the file.
func scanPolicy(f scanFlags) (*policy.Policy, match.Severity, error) {
	var opts []policy.Option
	failOn := match.SeverityUnknown
	if f.failOn != "" {
		sev, err := match.ParseSeverity(f.failOn)
		if err != nil || sev == match.SeverityUnknown {
			return nil, 0, usageError{fmt.Errorf("--fail-on %q: want low, medium, high or critical", f.failOn)}
		}
		failOn = sev
		opts = append(opts, policy.WithFailOn(sev))
	}
	if f.ignoreUnfixed {
		opts = append(opts, policy.WithIgnoreUnfixed())
	}
	if len(f.vex) > 0 {
		opts = append(opts, policy.WithVEX(f.vex...))
	}
	if f.policy == "" {
		p, err := policy.New(opts...)
		return p, failOn, err
	}
	p, err := policy.Load(f.policy, opts...)
	return p, failOn, err
}

func toolVersion() string { return build.Version() }
