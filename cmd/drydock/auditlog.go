package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/internal/span"
)

func init() { addCommand(newAuditLogCmd) }

func newAuditLogCmd() *cobra.Command {
	env := &adminEnv{}
	var since, until, format string
	var denied bool
	var f auditlog.Filter
	cmd := &cobra.Command{
		Use:   "audit-log [--since 24h] [--actor NAME] [--repo NS/REPO] [--action ACTION] [--denied] [--format table|json]",
		Short: "Show the audit log, newest first",
		Long: `Show the audit log, newest first: logins, tokens, pushes, pulls, deletes,
denials and account changes, each with the drydock version that recorded it
(in --format json).`,
		Example: `  drydock audit-log
  drydock audit-log --since 7d --denied
  drydock audit-log --repo team/app --action push --format json`,
		Args: exactArgs(0),
		RunE: env.run(func(ctx context.Context, cmd *cobra.Command, _ []string) error {
			now := time.Now()
			if since != "" {
				d, err := span.Parse(since)
				if err != nil {
					return usageError{fmt.Errorf("--since: %w", err)}
				}
				f.Since = now.Add(-d)
			}
			if until != "" {
				d, err := span.Parse(until)
				if err != nil {
					return usageError{fmt.Errorf("--until: %w", err)}
				}
				f.Until = now.Add(-d)
			}
			if denied {
				f.Outcome = auditlog.OutcomeDenied
			}
			if format != "table" && format != "json" {
				return usageError{fmt.Errorf("--format %q: want table or json", format)}
			}
			es, err := env.audit.Query(ctx, f)
			if err != nil {
				return err
			}
			return printEvents(cmd.OutOrStdout(), es, format)
		}),
	}
	env.addFlags(cmd)
	fl := cmd.Flags()
	fl.StringVar(&since, "since", "24h", "events newer than this age (24h, 7d)")
	fl.StringVar(&until, "until", "", "events older than this age")
	fl.StringVar(&f.Actor, "actor", "", "only this user or robot")
	fl.StringVar(&f.Repo, "repo", "", "only this repository")
	fl.StringVar(&f.Action, "action", "", "only this action (login, token, push, pull, delete, user.create, member.put, …)")
	fl.StringVar(&f.Outcome, "outcome", "", "only allowed, denied or failed")
	fl.BoolVar(&denied, "denied", false, "only denials (same as --outcome denied)")
	fl.IntVar(&f.Limit, "limit", auditlog.DefaultLimit, "at most this many events")
	fl.StringVar(&format, "format", "table", "table or json (one event per line)")
	return cmd
}

func printEvents(w io.Writer, es []auditlog.Event, format string) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		for _, e := range es {
			if err := enc.Encode(e); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tACTOR\tACTION\tREPO\tTARGET\tOUTCOME\tREASON")
	for _, e := range es {
		actor := e.Actor
		if actor == "" {
			actor = "(anonymous)"
		}
		// Rows written before names were checked may hold anything.
		p := auditlog.Printable
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Time.Format(time.RFC3339), p(actor), p(e.Action), p(e.Repo), p(e.Target), p(e.Outcome), p(e.Reason))
	}
	return tw.Flush()
}
