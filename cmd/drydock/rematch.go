package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/drydock/drydock/enforce"
	"github.com/drydock/drydock/vulndb"
	"github.com/drydock/drydock/webhook"
)

// newDBRematchCmd is `drydock db rematch`: match the registry's stored
// SBOMs again against the database, now. `drydock serve` does the same by
// itself when the database file is replaced.
func newDBRematchCmd(dbPath func() string) *cobra.Command {
	env := &adminEnv{}
	var full bool
	cmd := &cobra.Command{
		Use:   "rematch [--full] [--data DIR | --database DSN]",
		Short: "Match the registry's stored SBOMs again against the database",
		Long: `Match the registry's stored SBOMs again against the vulnerability
database, without reading any image: only the packages named by records
changed since the last rematch, or every package with --full. A verdict
that flips is stored, audited and sent to the namespace's webhooks.
drydock serve does this by itself within a minute of a database update.`,
		Example: `  drydock db rematch
  drydock db rematch --full --data /srv/drydock`,
		Args: exactArgs(0),
		RunE: env.run(func(ctx context.Context, cmd *cobra.Command, _ []string) error {
			db, err := vulndb.Open(ctx, dbPath())
			if err != nil {
				return err
			}
			defer db.Close()
			s, err := env.settings(ctx)
			if err != nil {
				return err
			}
			hooks, err := webhook.New(env.st)
			if err != nil {
				return err
			}
			warn := func(msg string, err error) { fmt.Fprintf(cmd.ErrOrStderr(), "drydock: warning: %s: %v\n", msg, err) }
			results := enforce.NewStoredResults(env.st, func() enforce.Database { return db })
			rm, err := enforce.NewRematcher(env.st, results, s, enforce.WithAudit(env.audit), enforce.WithFlipHook(enforce.PublishFlips(hooks, warn)))
			if err != nil {
				return err
			}
			rep, err := rm.Run(ctx, db, full)
			if err != nil {
				return err
			}
			return writeRematch(cmd, rep)
		}),
	}
	env.addFlags(cmd)
	cmd.Flags().BoolVar(&full, "full", false, "match every package of every stored SBOM, not only what changed")
	return cmd
}

func writeRematch(cmd *cobra.Command, rep *enforce.RematchReport) error {
	w := cmd.OutOrStdout()
	if rep.Full {
		fmt.Fprintf(w, "full rematch of %d stored SBOMs\n", rep.Stored)
	} else {
		fmt.Fprintf(w, "%d records changed since %s, naming %d packages\n", rep.ChangedRecords, rep.Since.Format(time.RFC3339), rep.ChangedNames)
	}
	fmt.Fprintf(w, "re-evaluated %d, not re-evaluated %d, findings rewritten %d, took %s\n",
		rep.Reevaluated, rep.NotReevaluated, rep.Rewritten, rep.Took.Round(time.Millisecond))
	for _, f := range rep.Flips {
		to := map[bool]string{true: "pass", false: "fail"}[f.Pass]
		for _, repo := range f.Repos {
			fmt.Fprintf(w, "flipped %s@%s to %s\n", repo, f.Digest, to)
		}
	}
	return nil
}
