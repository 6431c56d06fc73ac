package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/drydock/drydock/trust"
)

func init() { addCommand(newTrustCmd) }

func newTrustCmd() *cobra.Command {
	env := &adminEnv{}
	cmd := &cobra.Command{Use: "trust", Short: "Protected namespaces: only images the CI gate passed may be tagged (protect, status, key)"}
	env.addFlags(cmd)
	settings := func() *trust.Settings { return trust.NewSettings(env.st, env.audit) }
	var requireSig, off, noSourceRepos bool
	var sourceRepos []string
	protect := &cobra.Command{
		Use:   "protect NAMESPACE [--require-signature] [--source-repo URL]... [--no-source-repos] [--off]",
		Short: "Take tags only for images with a passing verdict signed by a trusted key; --require-signature also for pulls",
		Long: "A protected namespace refuses a tag push unless the digest carries a verdict attestation with\n" +
			"verdict pass, signed by one of the namespace's trusted keys (what `drydock gate` attaches). Everyone\n" +
			"is refused, administrators too, and each refusal is audited. Signatures and attestations pushed as\n" +
			"OCI referrers are accepted. --require-signature also refuses pulls of images no trusted key signed.\n" +
			"--source-repo (repeatable) lists the source repositories the namespace's images may be built from:\n" +
			"admission control then runs an image only if it carries a SLSA provenance attestation, signed by a\n" +
			"trusted key, naming one of them (what `drydock gate --source-repo` writes), compared exactly.\n" +
			"--source-repo '' or --no-source-repos clears the list; without either it is left as it is.",
		Args: exactArgs(1),
		RunE: env.run(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			var repos *[]string
			if noSourceRepos || cmd.Flags().Changed("source-repo") {
				var uris []string
				for _, u := range sourceRepos {
					if u != "" {
						uris = append(uris, u)
					}
				}
				if noSourceRepos && len(uris) > 0 {
					return usageError{fmt.Errorf("--no-source-repos and --source-repo %s: give one or the other", uris[0])}
				}
				repos = &uris
			}
			if err := settings().Configure(ctx, env.actor, args[0], !off, requireSig && !off, repos); err != nil {
				return err
			}
			return printTrust(ctx, cmd, settings(), args[0])
		}),
	}
	protect.Flags().BoolVar(&requireSig, "require-signature", false, "also refuse pulls of images that carry no signature by a trusted key")
	protect.Flags().BoolVar(&off, "off", false, "stop protecting the namespace")
	protect.Flags().StringArrayVar(&sourceRepos, "source-repo", nil, "a source repository (URL) the namespace's images may be built from; repeatable, '' clears")
	protect.Flags().BoolVar(&noSourceRepos, "no-source-repos", false, "clear the allowed source repositories (no provenance required)")
	status := &cobra.Command{
		Use:   "status NAMESPACE",
		Short: "Show a namespace's protection and trusted keys",
		Args:  exactArgs(1),
		RunE: env.run(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			return printTrust(ctx, cmd, settings(), args[0])
		}),
	}
	key := &cobra.Command{Use: "key", Short: "Manage a namespace's trusted CI keys (add, remove)"}
	var keyFile string
	add := &cobra.Command{
		Use:   "add NAMESPACE NAME --key cosign.pub",
		Short: "Trust a public key for a namespace's verdicts and signatures",
		Args:  exactArgs(2),
		RunE: env.run(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			if keyFile == "" {
				return usageError{fmt.Errorf("--key: the public key file (cosign.pub) is required")}
			}
			pem, err := os.ReadFile(keyFile)
			if err != nil {
				return usageError{err}
			}
			k, err := settings().AddKey(ctx, env.actor, args[0], args[1], pem)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "namespace %s trusts key %s (%s)\n", k.Namespace, k.Name, k.Hint)
			return err
		}),
	}
	add.Flags().StringVar(&keyFile, "key", "", "public key file (cosign.pub)")
	remove := &cobra.Command{
		Use:   "remove NAMESPACE NAME",
		Short: "Stop trusting a key",
		Args:  exactArgs(2),
		RunE: env.run(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			if err := settings().RemoveKey(ctx, env.actor, args[0], args[1]); err != nil {
				return err
			}
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "namespace %s no longer trusts key %s\n", args[0], args[1])
			return err
		}),
	}
	key.AddCommand(add, remove)
	cmd.AddCommand(protect, status, key)
	return cmd
}

func printTrust(ctx context.Context, cmd *cobra.Command, s *trust.Settings, ns string) error {
	t, err := s.Get(ctx, ns)
	if err != nil {
		return err
	}
	keys, err := s.Keys(ctx, ns)
	if err != nil {
		return err
	}
	repos, err := s.SourceRepos(ctx, ns)
	if err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "namespace %s\nprotected:         %t\nrequire signature: %t\n", ns, t.Protected, t.RequireSignature)
	if len(repos) > 0 {
		fmt.Fprintf(w, "source repos:      %s\n", strings.Join(repos, ", "))
	}
	if len(repos) > 0 && len(keys) == 0 {
		fmt.Fprintln(w, "WARNING: no trusted key yet: admission refuses every image of the namespace until `drydock trust key add`")
	}
	if t.Protected && len(keys) == 0 {
		fmt.Fprintln(w, "WARNING: no trusted key yet: every tag push is refused until `drydock trust key add`")
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tFINGERPRINT\tADDED\tBY")
	for _, k := range keys {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", k.Name, k.Hint, k.Added.Format("2006-01-02T15:04:05Z"), k.AddedBy)
	}
	return tw.Flush()
}
