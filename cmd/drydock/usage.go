package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// isCobraUsage recognises the argument errors cobra returns as plain strings.
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "accepts ", "requires at least", "requires at most", "unknown flag", "unknown shorthand flag", "invalid argument"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

// exactArgs is cobra.ExactArgs with errors marked as usage errors.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.ExactArgs(n)(cmd, args); err != nil {
			return withUsage(cmd, err)
		}
		return nil
	}
}

// strictGroups makes every group of verbs (db, user, namespace, …) refuse
// a subcommand it does not have, with suggestions, as the top level does;
// cobra would print the group's help and exit 0, so a mistyped CI step
// would pass. A group given no subcommand prints its help.
func strictGroups(cmd *cobra.Command) {
	if !cmd.HasSubCommands() {
		return
	}
	if !cmd.Runnable() {
		cmd.Args = cobra.ArbitraryArgs
		cmd.SuggestionsMinimumDistance = 2
		cmd.RunE = func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
			if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
				msg += "; did you mean " + strings.Join(s, " or ") + "?"
			}
			return usageError{fmt.Errorf("%s (see %s --help)", msg, cmd.CommandPath())}
		}
	}
	for _, sub := range cmd.Commands() {
		strictGroups(sub)
	}
}

// rangeArgs is cobra.RangeArgs with errors marked as usage errors.
func rangeArgs(lo, hi int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.RangeArgs(lo, hi)(cmd, args); err != nil {
			return withUsage(cmd, err)
		}
		return nil
	}
}

// withUsage marks err as a usage error and adds the verb's usage line.
func withUsage(cmd *cobra.Command, err error) error {
	return usageError{fmt.Errorf("%w\nusage: %s", err, cmd.UseLine())}
}
