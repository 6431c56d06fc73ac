package main

import (
	"strings"

	"github.com/spf13/cobra"
)

// helpWidth is the width help text fits.
const helpWidth = 80

// wrapHelp makes cmd's help wrap its flag descriptions to 80 columns, as
// its Long and Example text are written.
func wrapHelp(cmd *cobra.Command) {
	t := cmd.UsageTemplate()
	t = strings.ReplaceAll(t, ".LocalFlags.FlagUsages", "(.LocalFlags.FlagUsagesWrapped 80)")
	t = strings.ReplaceAll(t, ".InheritedFlags.FlagUsages", "(.InheritedFlags.FlagUsagesWrapped 80)")
	cmd.SetUsageTemplate(t)
}

// wrappedHelp is wrapHelp for a command built in one expression.
func wrappedHelp(cmd *cobra.Command) *cobra.Command {
	wrapHelp(cmd)
	return cmd
}
