package main

import (
	"context"
	"fmt"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func init() { addCommand(newNamespaceCmd) }

func newNamespaceCmd() *cobra.Command {
	env := &adminEnv{}
	cmd := &cobra.Command{
		Use:   "namespace",
		Short: "Manage namespaces, the first part of repository names",
		Long: `Manage namespaces, the first element of repository names (team in
team/app). Members, robots, policy and enforcement belong to a namespace.
Like every management verb, it works on existing data: start drydock serve
once first, and pass the same --data, --database or --config.`,
		Example: `  drydock namespace create team
  drydock namespace list --data /srv/drydock`,
	}
	env.addFlags(cmd)
	var public, enforcing bool
	var immutable, policyFile string
	create := &cobra.Command{
		Use:   "create NAME [--public] [--enforce] [--policy FILE] [--immutable-tags[=PATTERN]]",
		Short: "Create a namespace (--public: anyone may pull)",
		Long: `Create a namespace. --public lets anyone pull from it (never push);
--enforce quarantines images that fail its policy (--policy FILE) or are not
scanned yet; --immutable-tags keeps matching tags from being moved.`,
		Example: `  drydock namespace create team
  drydock namespace create pub --public
  drydock namespace create prod --enforce --policy prod.yaml --immutable-tags`,
		Args: exactArgs(1),
		RunE: env.run(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			if err := env.svc.CreateNamespace(ctx, env.actor, args[0], public); err != nil {
				return err
			}
			if _, err := fmt.Fprintf(cmd.OutOrStdout(), "created namespace %s (public: %t)\n", args[0], public); err != nil {
				return err
			}
			if immutable != "" {
				if err := addImmutableRule(ctx, env, args[0], immutable); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "tags %q of namespace %s are immutable\n", immutable, args[0])
			}
			if !enforcing && policyFile == "" {
				return nil
			}
			return env.setEnforcement(ctx, cmd.OutOrStdout(), args[0], &enforcing, policyFile)
		}),
	}
	create.Flags().BoolVar(&public, "public", false, "anonymous pull (only pull) allowed")
	create.Flags().BoolVar(&enforcing, "enforce", false, "refuse pulls of images that fail the namespace's policy or are not scanned yet")
	create.Flags().StringVar(&policyFile, "policy", "", "policy YAML file the namespace's images are judged by")
	create.Flags().StringVar(&immutable, "immutable-tags", "", "make tags matching `PATTERN` (a glob; every tag when given without a value) immutable")
	create.Flags().Lookup("immutable-tags").NoOptDefVal = "*"
	setPublic := &cobra.Command{
		Use:     "public NAME true|false",
		Short:   "Open a namespace to anonymous pulls, or close it",
		Example: "  drydock namespace public pub true\n  drydock namespace public pub false",
		Args:    exactArgs(2),
		RunE: env.run(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			on, err := strconv.ParseBool(args[1])
			if err != nil {
				return usageError{fmt.Errorf("%q is not true or false", args[1])}
			}
			if err := env.svc.SetNamespacePublic(ctx, env.actor, args[0], on); err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "namespace %s public: %t\n", args[0], on)
			return err
		}),
	}
	list := &cobra.Command{
		Use:     "list",
		Short:   "List namespaces",
		Example: "  drydock namespace list",
		Args:    exactArgs(0),
		RunE: env.run(func(ctx context.Context, cmd *cobra.Command, _ []string) error {
			ns, err := env.svc.ListNamespaces(ctx, env.actor)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tPUBLIC\tCREATED")
			for _, n := range ns {
				fmt.Fprintf(tw, "%s\t%t\t%s\n", n.Name, n.Public, n.Created.Format("2006-01-02T15:04:05Z"))
			}
			return tw.Flush()
		}),
	}
	del := &cobra.Command{
		Use:     "delete NAME",
		Short:   "Delete a namespace with its members and robots (repositories stay)",
		Example: "  drydock namespace delete old-team",
		Args:    exactArgs(1),
		RunE: env.run(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			if err := env.svc.DeleteNamespace(ctx, env.actor, args[0]); err != nil {
				return err
			}
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "deleted namespace %s\n", args[0])
			return err
		}),
	}
	cmd.AddCommand(create, setPublic, list, del)
	cmd.AddCommand(env.enforcementVerbs()...)
	return cmd
}
