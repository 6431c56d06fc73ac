package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/drydock/drydock/enforce"
)

// settings opens the enforcement settings over the verb's store.
func (e *adminEnv) settings(ctx context.Context) (*enforce.Settings, error) {
	return enforce.NewSettings(ctx, e.st, enforce.WithAudit(e.audit))
}

// setEnforcement applies --enforce and --policy to a namespace.
func (e *adminEnv) setEnforcement(ctx context.Context, out io.Writer, ns string, on *bool, policyFile string) error {
	c := enforce.Change{Enforce: on}
	if policyFile != "" {
		data, err := readPolicyFile(policyFile)
		if err != nil {
			return err
		}
		c.Policy = data
	}
	s, err := e.settings(ctx)
	if err != nil {
		return err
	}
	n, err := s.Set(ctx, e.actor, ns, c)
	if err != nil {
		return err
	}
	return writeEnforcement(out, n, false)
}

// maxPolicyFile bounds what is read from --policy; policies are kilobytes.
const maxPolicyFile = 1 << 20

func readPolicyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usageError{fmt.Errorf("policy: %w", err)}
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, usageError{fmt.Errorf("policy: %s is not a regular file", path)}
	}
	data, err := io.ReadAll(io.LimitReader(f, maxPolicyFile+1))
	if err != nil {
		return nil, usageError{fmt.Errorf("policy: %w", err)}
	}
	if len(data) > maxPolicyFile {
		return nil, usageError{fmt.Errorf("policy: %s is over the %d byte limit", path, maxPolicyFile)}
	}
	return data, nil
}

func writeEnforcement(w io.Writer, n enforce.Namespace, withYAML bool) error {
	digest := "none (the default policy: every scanned image passes)"
	if n.Policy != nil {
		digest = n.Policy.ID().Name + " " + n.Policy.ID().Digest
	}
	fmt.Fprintf(w, "namespace %s\nenforce:  %t\npolicy:   %s\n", n.Name, n.Enforce, digest)
	if n.Broken != nil {
		fmt.Fprintf(w, "WARNING: the stored policy no longer loads (%v); every image in the namespace is refused\n", n.Broken)
	}
	if !n.Updated.IsZero() {
		fmt.Fprintf(w, "updated:  %s by %s\n", n.Updated.Format("2006-01-02T15:04:05Z"), n.UpdatedBy)
	}
	if withYAML && n.PolicyYAML != "" {
		fmt.Fprintf(w, "---\n%s", n.PolicyYAML)
	}
	return nil
}

// enforcementVerbs are `namespace policy` and `namespace enforce`.
func (e *adminEnv) enforcementVerbs() []*cobra.Command {
	policy := &cobra.Command{
		Use:   "policy NAME [FILE]",
		Short: "Set the namespace's policy from a YAML file, or show it",
		Long:  "Set the namespace's policy from a YAML file, or, without FILE, show it\nwith its digest.",
		Example: `  drydock namespace policy prod prod.yaml
  drydock namespace policy prod`,
		Args: rangeArgs(1, 2),
		RunE: e.run(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			if len(args) == 2 {
				return e.setEnforcement(ctx, cmd.OutOrStdout(), args[0], nil, args[1])
			}
			s, err := e.settings(ctx)
			if err != nil {
				return err
			}
			n, err := s.Get(ctx, e.actor, args[0])
			if err != nil {
				return err
			}
			return writeEnforcement(cmd.OutOrStdout(), n, true)
		}),
	}
	onOff := &cobra.Command{
		Use:   "enforce NAME true|false",
		Short: "Quarantine images that fail the policy or are not scanned",
		Long: `Quarantine (true) or stop quarantining (false) the images of a namespace
that fail its policy or are not scanned yet.`,
		Example: `  drydock namespace enforce prod true
  drydock namespace enforce prod false`,
		Args: exactArgs(2),
		RunE: e.run(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			on, err := strconv.ParseBool(args[1])
			if err != nil {
				return usageError{fmt.Errorf("%q is not true or false", args[1])}
			}
			return e.setEnforcement(ctx, cmd.OutOrStdout(), args[0], &on, "")
		}),
	}
	return []*cobra.Command{policy, onOff}
}

// bypassVerb is `robot bypass-quarantine grant|revoke|list`.
func (e *adminEnv) bypassVerb() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bypass-quarantine",
		Short: "Let a robot pull quarantined images for forensics (audited)",
		Example: `  drydock robot bypass-quarantine grant 'robot$prod+forensics'
  drydock robot bypass-quarantine list`,
	}
	change := func(use, short, done string, grant bool) *cobra.Command {
		return e.nameVerb(use, short, func(ctx context.Context, name string) error {
			s, err := e.settings(ctx)
			if err != nil {
				return err
			}
			if grant {
				return s.GrantBypass(ctx, e.actor, name)
			}
			return s.RevokeBypass(ctx, e.actor, name)
		}, done)
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the robots holding the bypass-quarantine grant",
		Args:  exactArgs(0),
		RunE: e.run(func(ctx context.Context, cmd *cobra.Command, _ []string) error {
			s, err := e.settings(ctx)
			if err != nil {
				return err
			}
			gs, err := s.Bypasses(ctx)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ROBOT\tGRANTED BY\tGRANTED")
			for _, g := range gs {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", g.Robot, g.GrantedBy, g.Granted.Format("2006-01-02T15:04:05Z"))
			}
			return tw.Flush()
		}),
	}
	list.Example = "  drydock robot bypass-quarantine list"
	grant := change("grant ROBOT", "Give a robot the grant (system administrators only)", "granted bypass-quarantine to", true)
	grant.Example = "  drydock robot bypass-quarantine grant 'robot$prod+forensics'"
	revoke := change("revoke ROBOT", "Take the bypass-quarantine grant away", "revoked bypass-quarantine of", false)
	revoke.Example = "  drydock robot bypass-quarantine revoke 'robot$prod+forensics'"
	cmd.AddCommand(grant, revoke, list)
	return cmd
}
