package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/drydock/drydock/internal/build"
	"github.com/drydock/drydock/policy"
	"github.com/drydock/drydock/report"
	"github.com/drydock/drydock/scan"
)

func init() { addCommand(newScanCmd) }

const scanExamples = `  drydock scan registry.local/team/app:1.2 --fail-on high
  drydock scan app.tar --severity high,critical --exit-code 1
  drydock scan ./build/oci --format sarif -o scan.sarif
  drydock scan sbom:app.cdx.json --policy policy.yaml --only-fixed
  DRYDOCK_USERNAME=ci DRYDOCK_PASSWORD=… drydock scan reg.local/a:1`

func newScanCmd() *cobra.Command {
	var f scanFlags
	cmd := &cobra.Command{
		Use:   "scan IMAGE",
		Short: "Find the known vulnerabilities in an image and judge them",
		Long: `Catalog IMAGE, match its packages against the local vulnerability
database, report the findings and judge them with a policy.

IMAGE is a file or folder (docker archive, OCI layout or archive, root
filesystem, SBOM: detected), a prefixed one (docker-archive:FILE,
oci:DIR[:TAG], oci-archive:FILE, dir:ROOTFS, sbom:FILE) or a registry
reference. Ignores in ./.drydockignore apply (see docs/policy.md).

Exit codes: 0 pass, 1 policy failure, 2 usage or input error,
3 internal error.`,
		Example: scanExamples,
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f.ignoreFileSet = cmd.Flags().Changed("ignorefile")
			f.exitCodeSet = cmd.Flags().Changed("exit-code")
			return runScan(cmd.Context(), args[0], f, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f.addFlags(cmd.Flags())
	return cmd
}

// runScan is the verb without the shell: flags in, report out, and an error
// whose exit code says pass, policy failure, bad input or internal error.
func runScan(ctx context.Context, ref string, f scanFlags, stdout, stderr io.Writer) error {
	format, err := report.ParseFormat(f.format)
	if err != nil {
		return err
	}
	pol, failOn, err := scanPolicy(f, stderr)
	if err != nil {
		return err
	}
	imageOpts, err := f.imageOptions()
	if err != nil {
		return err
	}
	db, _, err := openScanDB(ctx, f.db, f.quiet, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel, err := f.withTimeout(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	progress, stop := startProgress(stderr, f.quiet, ref)
	if progress != nil {
		imageOpts = append(imageOpts, progress)
	}
	opts := []scan.Option{scan.WithPolicy(pol), scan.WithImageOptions(imageOpts...), scan.WithCatalogOptions(f.catalogOptions()...)}
	res, err := scan.Run(ctx, sbomOrImage(ref), db, opts...)
	stop()
	if err != nil {
		return f.timeoutErr(ctx, err)
	}
	if !f.quiet {
		for _, w := range res.Warnings {
			fmt.Fprintln(stderr, "drydock: warning:", w)
		}
	}
	rep := res.Report(failOn, toolVersion())
	for i := range rep.Findings {
		rep.Findings[i].Severity = pol.Severity(&rep.Findings[i])
	}
	toTerminal := f.output == "" && format == report.FormatTable
	if f.output == "" {
		rep.Width, rep.Color = termWidth(stdout), useColor(stdout)
	} else {
		rep.Width = defaultWidth
	}
	write := func(w io.Writer) error { return report.Write(w, format, rep) }
	if f.output == "" {
		err = write(stdout)
	} else {
		err = writeAtomic(f.output, write)
	}
	if err != nil {
		return err
	}
	return f.verdictErr(res.Err(), toTerminal, stderr)
}

// verdictErr is the scan's outcome as an error. A failure the table on
// the terminal already explains is returned as a short line, so its
// reasons are printed once; --exit-code 0 reports a failure and passes.
func (f *scanFlags) verdictErr(err error, shown bool, stderr io.Writer) error {
	var pf *policy.Failure
	if !errors.As(err, &pf) {
		return err
	}
	if f.exitCodeSet && f.exitCode == 0 {
		if !f.quiet {
			fmt.Fprintf(stderr, "drydock: policy %q failed; exit 0 because of --exit-code 0\n", pf.Policy.Name)
		}
		return nil
	}
	if shown {
		return &shownFailure{pf}
	}
	return err
}

// shownFailure is a policy failure whose reasons the report already shows.
type shownFailure struct{ *policy.Failure }

func (e *shownFailure) Error() string {
	return fmt.Sprintf("policy %q failed (reasons above)", e.Policy.Name)
}
func (e *shownFailure) Unwrap() error { return e.Failure }

func toolVersion() string { return build.Version() }
