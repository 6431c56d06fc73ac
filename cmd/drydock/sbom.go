package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/drydock/drydock/catalog"
	"github.com/drydock/drydock/image"
	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/sbom"
)

func init() { addCommand(newSBOMCmd) }

// sbomFlags are the flags of `drydock sbom`.
type sbomFlags struct {
	imageFlags
	format string
	output string
}

const sbomExamples = `  drydock sbom app.tar                     # a docker archive: a table
  drydock sbom ./build/oci -o app.cdx.json --format cyclonedx-json
  drydock sbom registry.local/team/app:1.2 --platform linux/arm64
  drydock sbom ./rootfs --format spdx-json
  drydock sbom app.cdx.json --format table  # read a stored SBOM back`

func newSBOMCmd() *cobra.Command {
	var f sbomFlags
	cmd := &cobra.Command{
		Use:   "sbom IMAGE",
		Short: "List the packages in an image and the layer that added each",
		Long: `List the packages in an image as a table, drydock JSON, CycloneDX 1.6
or SPDX 2.3.

IMAGE is a file or folder (docker archive, OCI layout or archive, root
filesystem, or an SBOM from drydock or another tool: detected), a prefixed
one (docker-archive:FILE, oci:DIR[:TAG], oci-archive:FILE, dir:ROOTFS,
sbom:FILE) or a registry reference.`,
		Example: sbomExamples,
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSBOM(cmd.Context(), args[0], f, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.format, "format", "", "table, json, cyclonedx (alias cyclonedx-json) or spdx (alias spdx-json); default: table on a terminal, json otherwise")
	fl.StringVarP(&f.output, "output", "o", "", "write to FILE (atomically) instead of standard output")
	f.imageFlags.addFlags(fl)
	return cmd
}

// runSBOM is the verb without the shell: flags in, document out.
func runSBOM(ctx context.Context, ref string, f sbomFlags, stdout, stderr io.Writer) error {
	format, err := chooseFormat(f, stdout)
	if err != nil {
		return err
	}
	ctx, cancel, err := f.withTimeout(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	progress, stop := startProgress(stderr, f.quiet, ref)
	inv, err := loadInventory(ctx, ref, f, progress)
	stop()
	if err != nil {
		return f.timeoutErr(ctx, err)
	}
	if !f.quiet {
		for _, w := range inv.Warnings {
			fmt.Fprintln(stderr, "drydock: warning:", w)
		}
	}
	for _, f := range inv.Integrity {
		fmt.Fprintln(stderr, "drydock: integrity:", f)
	}
	width := defaultWidth
	if f.output == "" {
		width = termWidth(stdout)
	}
	wr, err := sbom.NewWriter(format, sbom.WithWidth(width))
	if err != nil {
		return err
	}
	if f.output == "" {
		return wr.Write(stdout, inv)
	}
	return writeAtomic(f.output, func(w io.Writer) error { return wr.Write(w, inv) })
}

// chooseFormat takes --format, else table for a person at a terminal and
// json for a pipe or a file.
func chooseFormat(f sbomFlags, stdout io.Writer) (sbom.Format, error) {
	if f.format != "" {
		return sbom.ParseFormat(f.format)
	}
	if file, ok := stdout.(*os.File); ok && f.output == "" && term.IsTerminal(int(file.Fd())) {
		return sbom.FormatTable, nil
	}
	return sbom.FormatJSON, nil
}

// loadInventory reads a stored SBOM for sbom:FILE and catalogs the image
// otherwise.
func loadInventory(ctx context.Context, ref string, f sbomFlags, progress image.Option) (*inventory.Inventory, error) {
	ref = sbomOrImage(ref)
	if path, ok := strings.CutPrefix(ref, "sbom:"); ok {
		return sbom.ReadFile(path)
	}
	opts, err := f.imageOptions()
	if err != nil {
		return nil, err
	}
	if progress != nil {
		opts = append(opts, progress)
	}
	img, err := image.Open(ctx, ref, opts...)
	if err != nil {
		return nil, err
	}
	return catalog.Catalog(ctx, img, f.catalogOptions()...)
}

// writeAtomic writes through a temporary file in the target's folder and
// renames it into place, so a reader never sees half an SBOM and a failed
// run leaves the old file as it was.
func writeAtomic(path string, write func(io.Writer) error) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return usageError{fmt.Errorf("--output: %w", err)}
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := write(tmp); err != nil {
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
