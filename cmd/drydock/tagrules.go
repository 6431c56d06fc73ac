package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/drydock/drydock/blobstore"
	"github.com/drydock/drydock/registry"
	"github.com/drydock/drydock/store"
)

func init() { addCommand(newImmutableTagsCmd) }

// registryEnv is adminEnv plus the registry's content service on the same
// data directory, for the verbs that change tags and rules.
type registryEnv struct {
	adminEnv
	reg *registry.Service
}

// run opens the service around fn and closes it after, so that every
// audited decision is written before the verb returns.
func (e *registryEnv) run(fn func(ctx context.Context, cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return e.adminEnv.run(func(ctx context.Context, cmd *cobra.Command, args []string) error {
		var err error
		if e.reg, err = openService(&e.adminEnv); err != nil {
			return err
		}
		defer e.reg.Close()
		return inputMistake(fn(ctx, cmd, args))
	})
}

// openService opens the registry's content service on env's store and blobs,
// auditing to env's audit log.
func openService(env *adminEnv) (*registry.Service, error) {
	blobs, err := blobstore.NewFilesystem(env.cfg.BlobDir)
	if err != nil {
		return nil, err
	}
	quiet := slog.New(slog.NewJSONHandler(io.Discard, nil))
	return registry.NewService(env.st, blobs, registry.WithAuditor(env.audit), registry.WithLogger(quiet))
}

func (e *registryEnv) caller() registry.Caller { return registry.Caller{Principal: e.actor} }

// inputMistake marks errors that are the command line's fault: a rule that
// is malformed, missing or already there.
func inputMistake(err error) error {
	var ii interface{ InvalidInput() bool }
	if errors.As(err, &ii) && ii.InvalidInput() || errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) {
		return usageError{err}
	}
	return err
}

func newImmutableTagsCmd() *cobra.Command {
	env := &registryEnv{}
	cmd := &cobra.Command{
		Use:   "immutable-tags",
		Short: "Manage immutable tag rules: tags matching a pattern in a namespace never move and are never deleted",
	}
	env.addFlags(cmd)
	add := &cobra.Command{
		Use:   "add NAMESPACE [PATTERN]",
		Short: "Make tags matching PATTERN (a glob such as v* or release-*; default every tag) immutable",
		Args:  rangeArgs(1, 2),
		RunE: env.run(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			pattern := "*"
			if len(args) == 2 {
				pattern = args[1]
			}
			if err := env.reg.AddImmutableTagRule(ctx, env.caller(), args[0], pattern); err != nil {
				return err
			}
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "tags %q of namespace %s are immutable\n", pattern, args[0])
			return err
		}),
	}
	list := &cobra.Command{
		Use:   "list [NAMESPACE]",
		Short: "List immutable tag rules",
		Args:  rangeArgs(0, 1),
		RunE: env.run(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			ns := ""
			if len(args) == 1 {
				ns = args[0]
			}
			rules, err := env.reg.ImmutableTagRules(ctx, ns)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAMESPACE\tPATTERN\tCREATED")
			for _, r := range rules {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Namespace, r.Pattern, r.Created.Format("2006-01-02T15:04:05Z"))
			}
			return tw.Flush()
		}),
	}
	remove := &cobra.Command{
		Use:   "remove NAMESPACE PATTERN",
		Short: "Remove an immutable tag rule",
		Args:  exactArgs(2),
		RunE: env.run(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			if err := env.reg.RemoveImmutableTagRule(ctx, env.caller(), args[0], args[1]); err != nil {
				return err
			}
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "removed rule %q of namespace %s\n", args[1], args[0])
			return err
		}),
	}
	cmd.AddCommand(add, list, remove)
	return cmd
}

// addImmutableRule adds the rule of `namespace create --immutable-tags`.
func addImmutableRule(ctx context.Context, env *adminEnv, namespace, pattern string) error {
	svc, err := openService(env)
	if err != nil {
		return err
	}
	defer svc.Close()
	return inputMistake(svc.AddImmutableTagRule(ctx, registry.Caller{Principal: env.actor}, namespace, pattern))
}
