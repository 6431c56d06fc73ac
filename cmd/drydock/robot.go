package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/drydock/drydock/auth"
)

func init() { addCommand(newRobotCmd) }

func newRobotCmd() *cobra.Command {
	env := &adminEnv{}
	cmd := &cobra.Command{
		Use:   "robot",
		Short: "Manage robot accounts robot$<namespace>+<name> for CI and services",
		Long: `Manage robot accounts: robot$<namespace>+<name>, with one role in one
namespace and a lifetime. A robot belongs to the namespace, not to the
member who created it, and outlives that member.`,
		Example: `  drydock robot create ci --namespace team --role writer --expires 90d
  drydock robot list --namespace team
  drydock robot disable 'robot$team+ci'`,
	}
	env.addFlags(cmd)
	var ns, roleName, expires string
	create := &cobra.Command{
		Use:   "create NAME --namespace NS --role ROLE [--expires 90d|never]",
		Short: "Create a robot and print its secret (shown only once)",
		Example: `  drydock robot create ci --namespace team --role writer
  drydock robot create scanner --namespace team --expires never`,
		Args: exactArgs(1),
		RunE: env.run(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			if ns == "" {
				return usageError{fmt.Errorf("--namespace is required")}
			}
			role, err := auth.ParseRole(roleName)
			if err != nil {
				return err
			}
			var until time.Time
			d, err := auth.ParseRobotLifetime(expires)
			if err != nil {
				return usageError{fmt.Errorf("--expires: %w", err)}
			}
			if d > 0 {
				until = time.Now().Add(d)
			}
			r, secret, err := env.svc.CreateRobot(ctx, env.actor, ns, args[0], role, until)
			if err != nil {
				return err
			}
			exp := "never"
			if !r.Expires.IsZero() {
				exp = r.Expires.Format(time.RFC3339)
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "name:    %s\nrole:    %s in %s\nexpires: %s\nsecret:  %s\n(the secret is shown only now; log in with: docker login -u '%s')\n",
				r.Name, r.Role, r.Namespace, exp, secret, r.Name)
			return err
		}),
	}
	create.Flags().StringVar(&ns, "namespace", "", "namespace the robot works in (required)")
	create.Flags().StringVar(&roleName, "role", "reader", "reader, writer, maintainer or admin")
	create.Flags().StringVar(&expires, "expires", "90d", "lifetime such as 90d or 12h, or never")
	var listNS, format string
	list := &cobra.Command{
		Use:   "list [--namespace NS]",
		Short: "List robots",
		Example: `  drydock robot list
  drydock robot list --namespace team --format json`,
		Args: exactArgs(0),
		RunE: env.run(func(ctx context.Context, cmd *cobra.Command, _ []string) error {
			rs, err := env.svc.ListRobots(ctx, env.actor, listNS)
			if err != nil {
				return err
			}
			return printRobots(cmd.OutOrStdout(), rs, format)
		}),
	}
	list.Flags().StringVar(&listNS, "namespace", "", "only this namespace's robots")
	list.Flags().StringVar(&format, "format", "table", "table or json")
	simple := func(use, short string, do func(ctx context.Context, name string) error, done string) *cobra.Command {
		v := env.nameVerb(use+" robot$NS+NAME", short, do, done)
		v.Example = "  drydock robot " + use + " 'robot$team+ci'"
		return v
	}
	cmd.AddCommand(create, list,
		simple("delete", "Delete a robot", func(ctx context.Context, n string) error { return env.svc.DeleteRobot(ctx, env.actor, n) }, "deleted"),
		simple("disable", "Disable a robot and revoke its tokens", func(ctx context.Context, n string) error { return env.svc.SetRobotDisabled(ctx, env.actor, n, true) }, "disabled"),
		simple("enable", "Enable a disabled robot", func(ctx context.Context, n string) error { return env.svc.SetRobotDisabled(ctx, env.actor, n, false) }, "enabled"),
		env.bypassVerb(),
	)
	return cmd
}

func printRobots(w io.Writer, rs []auth.Robot, format string) error {
	type row struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
		Role      string `json:"role"`
		Expires   string `json:"expires,omitempty"`
		Disabled  bool   `json:"disabled"`
		CreatedBy string `json:"created_by"`
	}
	rows := make([]row, 0, len(rs))
	for _, r := range rs {
		exp := ""
		if !r.Expires.IsZero() {
			exp = r.Expires.Format(time.RFC3339)
		}
		rows = append(rows, row{r.Name, r.Namespace, r.Role.String(), exp, r.Disabled, r.CreatedBy})
	}
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	case "table":
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tROLE\tEXPIRES\tDISABLED\tCREATED BY")
		for _, r := range rows {
			exp := r.Expires
			if exp == "" {
				exp = "never"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%t\t%s\n", r.Name, r.Role, exp, r.Disabled, r.CreatedBy)
		}
		return tw.Flush()
	}
	return usageError{fmt.Errorf("--format %q: want table or json", format)}
}
