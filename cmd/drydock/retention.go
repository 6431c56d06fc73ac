package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/drydock/drydock/registry"
)

func init() { addCommand(newRetentionCmd) }

func newRetentionCmd() *cobra.Command {
	env := &registryEnv{}
	var del bool
	cmd := &cobra.Command{
		Use:   "retention [--delete]",
		Short: "Apply the retention rules: list the tags they would delete (a dry run unless --delete)",
		Long: "Apply every retention rule (see `drydock retention set`). Without --delete it only lists what would go.\n" +
			"Each deleted tag is audited; immutable tags stay. Manifests stay too: run `drydock gc` to reclaim blobs.",
		Args: exactArgs(0),
		RunE: env.run(func(ctx context.Context, cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			rep, err := env.reg.ApplyRetention(ctx, env.caller(), registry.RetentionOptions{Delete: del, Log: out})
			if err != nil {
				return err
			}
			verb := map[bool]string{true: "deleted", false: "would delete"}[del]
			_, err = fmt.Fprintf(out, "retention: %s %d tags in %d repositories; kept %d, and %d immutable\n",
				verb, rep.Removed, rep.Repositories, rep.Kept, rep.Immutable)
			return err
		}),
	}
	env.addFlags(cmd)
	cmd.Flags().BoolVar(&del, "delete", false, "really delete (default: dry run)")

	var keepLast, keepDays int
	set := &cobra.Command{
		Use:   "set SCOPE [--keep-last N] [--keep-days D]",
		Short: "Keep, in a namespace or repository, the newest N tags and/or the tags pushed or pulled within D days",
		Args:  exactArgs(1),
		RunE: env.run(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			if err := env.reg.SetRetentionRule(ctx, env.caller(), args[0], keepLast, keepDays); err != nil {
				return err
			}
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "retention for %s: keep last %d, used within %d days (0: off)\n", args[0], keepLast, keepDays)
			return err
		}),
	}
	set.Flags().IntVar(&keepLast, "keep-last", 0, "keep the newest N tags")
	set.Flags().IntVar(&keepDays, "keep-days", 0, "keep tags pushed or pulled within D days")
	list := &cobra.Command{
		Use:   "list",
		Short: "List retention rules",
		Args:  exactArgs(0),
		RunE: env.run(func(ctx context.Context, cmd *cobra.Command, _ []string) error {
			rules, err := env.reg.RetentionRules(ctx)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SCOPE\tKEEP LAST\tKEEP DAYS")
			for _, r := range rules {
				fmt.Fprintf(tw, "%s\t%d\t%d\n", r.Scope, r.KeepLast, r.KeepDays)
			}
			return tw.Flush()
		}),
	}
	remove := &cobra.Command{
		Use:   "remove SCOPE",
		Short: "Remove a retention rule",
		Args:  exactArgs(1),
		RunE: env.run(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			if err := env.reg.RemoveRetentionRule(ctx, env.caller(), args[0]); err != nil {
				return err
			}
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "removed retention rule for %s\n", args[0])
			return err
		}),
	}
	cmd.AddCommand(set, list, remove)
	return cmd
}
