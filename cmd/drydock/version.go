package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/drydock/drydock/internal/build"
)

func init() { addCommand(newVersionCmd) }

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print drydock's version (the same as drydock --version)",
		Long: `Print drydock's version: the one stamped at build time by
scripts/build.sh, else the module version of a go install, else "devel"
with the source revision. Reports, SBOMs and the audit log carry it.`,
		Example: `  drydock version
  drydock --version`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), "drydock", build.Version())
			return err
		},
	}
}
