package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/drydock/drydock/webhook"
)

func init() { addCommand(newWebhookCmd) }

func newWebhookCmd() *cobra.Command {
	env := &adminEnv{}
	cmd := &cobra.Command{Use: "webhook", Short: "Manage a namespace's webhooks (add, list, remove, deliveries)"}
	env.addFlags(cmd)
	// sender opens the webhook sender on env's store inside a verb.
	sender := func() (*webhook.Sender, error) { return webhook.New(env.st, webhook.WithAuditor(env.audit)) }
	var events string
	var stdin bool
	add := &cobra.Command{
		Use:   "add NAMESPACE URL [--events push,pull.denied,scan.completed,verdict.changed,audit.vulnerability,audit.completed] [--secret-stdin]",
		Short: "Send NAMESPACE's events to URL, signed with a secret (generated and printed once unless --secret-stdin)",
		Args:  exactArgs(2),
		RunE: env.run(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			s, err := sender()
			if err != nil {
				return err
			}
			secret, generated, err := readPassword(cmd.InOrStdin(), stdin)
			if err != nil {
				return err
			}
			var types []string
			if events != "" {
				types = strings.Split(events, ",")
			}
			ep, err := s.AddEndpoint(ctx, env.actor, args[0], args[1], secret, types)
			if err != nil {
				return inputMistake(err)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "webhook %d: %s events %s to %s\n", ep.ID, ep.Namespace, strings.Join(ep.Events, ","), ep.URL)
			if generated {
				fmt.Fprintf(out, "secret: %s\n(shown only now; the %s header is sha256=HMAC-SHA256(secret, body) in hex)\n", secret, webhook.SignatureHeader)
			}
			return nil
		}),
	}
	add.Flags().StringVar(&events, "events", "", "comma-separated event types (default: all)")
	add.Flags().BoolVar(&stdin, "secret-stdin", false, "read the signing secret (at least 16 characters) from standard input")
	list := &cobra.Command{
		Use:   "list [NAMESPACE]",
		Short: "List webhooks",
		Args:  rangeArgs(0, 1),
		RunE: env.run(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			s, err := sender()
			if err != nil {
				return err
			}
			ns := ""
			if len(args) == 1 {
				ns = args[0]
			}
			eps, err := s.Endpoints(ctx, ns)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAMESPACE\tURL\tEVENTS")
			for _, e := range eps {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", e.ID, e.Namespace, e.URL, strings.Join(e.Events, ","))
			}
			return tw.Flush()
		}),
	}
	remove := &cobra.Command{
		Use:   "remove ID",
		Short: "Remove a webhook and its delivery log",
		Args:  exactArgs(1),
		RunE: env.run(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			id, s, err := webhookArg(args[0], sender)
			if err != nil {
				return err
			}
			if err := s.RemoveEndpoint(ctx, env.actor, id); err != nil {
				return usageIfMissing(err)
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "removed webhook %d\n", id)
			return err
		}),
	}
	var limit int
	deliveries := &cobra.Command{
		Use:   "deliveries ID [--limit N]",
		Short: "Show a webhook's delivery log, newest first: state, attempts, last status and error",
		Args:  exactArgs(1),
		RunE: env.run(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			id, s, err := webhookArg(args[0], sender)
			if err != nil {
				return err
			}
			if limit < 1 || limit > 1000 {
				return usageError{fmt.Errorf("--limit %d: between 1 and 1000", limit)}
			}
			ds, err := s.Deliveries(ctx, id, limit)
			if err != nil {
				return usageIfMissing(err)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tEVENT\tSTATE\tATTEMPTS\tSTATUS\tCREATED\tLAST ERROR")
			for _, d := range ds {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\t%s\t%s\n", d.ID, d.EventType, d.State, d.Attempts, d.LastStatus,
					d.Created.Format("2006-01-02T15:04:05Z"), d.LastError)
			}
			return tw.Flush()
		}),
	}
	deliveries.Flags().IntVar(&limit, "limit", 50, "at most N deliveries")
	cmd.AddCommand(add, list, remove, deliveries)
	return cmd
}

func webhookArg(arg string, sender func() (*webhook.Sender, error)) (int64, *webhook.Sender, error) {
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || id <= 0 {
		return 0, nil, usageError{fmt.Errorf("webhook id %q: a number from `drydock webhook list`", arg)}
	}
	s, err := sender()
	return id, s, err
}

func usageIfMissing(err error) error {
	if errors.Is(err, webhook.ErrNotFound) {
		return usageError{err}
	}
	return err
}
