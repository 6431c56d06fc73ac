package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/drydock/drydock/auth"
)

func init() { addCommand(newMemberCmd) }

func newMemberCmd() *cobra.Command {
	env := &adminEnv{}
	cmd := &cobra.Command{
		Use:   "member",
		Short: "Manage namespace members and their roles",
		Long: `Manage the members of a namespace. Roles, each with the rights of those
before it:
  reader      pull
  writer      + push
  maintainer  + delete
  admin       + manage members and robots`,
		Example: `  drydock member add team alice writer
  drydock member list team`,
	}
	env.addFlags(cmd)
	add := &cobra.Command{
		Use:   "add NAMESPACE USER ROLE",
		Short: "Add a user to a namespace with a role, or change their role",
		Long: `Add a user to a namespace with a role, or change their role. ROLE is one
of: reader (pull), writer (+ push), maintainer (+ delete), admin (+ manage
members and robots).`,
		Example: `  drydock member add team alice writer
  drydock member add team bob admin`,
		Args: exactArgs(3),
		RunE: env.run(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			role, err := auth.ParseRole(args[2])
			if err != nil {
				return err
			}
			if err := env.svc.PutMember(ctx, env.actor, args[0], args[1], role); err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s is %s in %s\n", args[1], role, args[0])
			return err
		}),
	}
	remove := &cobra.Command{
		Use:     "remove NAMESPACE USER",
		Short:   "Take a user out of a namespace",
		Example: "  drydock member remove team alice",
		Args:    exactArgs(2),
		RunE: env.run(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			if err := env.svc.RemoveMember(ctx, env.actor, args[0], args[1]); err != nil {
				return err
			}
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "removed %s from %s\n", args[1], args[0])
			return err
		}),
	}
	list := &cobra.Command{
		Use:     "list NAMESPACE",
		Short:   "List a namespace's members",
		Example: "  drydock member list team",
		Args:    exactArgs(1),
		RunE: env.run(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			ms, err := env.svc.ListMembers(ctx, env.actor, args[0])
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "USER\tROLE")
			for _, m := range ms {
				fmt.Fprintf(tw, "%s\t%s\n", m.User, m.Role)
			}
			return tw.Flush()
		}),
	}
	cmd.AddCommand(add, remove, list)
	return cmd
}
