package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"k8s.io/client-go/kubernetes"

	"github.com/drydock/drydock/enforce"
	"github.com/drydock/drydock/fleet"
	"github.com/drydock/drydock/match"
	"github.com/drydock/drydock/policy"
	"github.com/drydock/drydock/scan"
	"github.com/drydock/drydock/server"
	"github.com/drydock/drydock/webhook"
)

func init() { addCommand(newAuditCmd) }

func newAuditCmd() *cobra.Command {
	var f auditFlags
	cf := &configFlags{bind: auditConfigFlags}
	cmd := &cobra.Command{
		Use:   "audit (--kubeconfig FILE [--context NAME] [--namespace NS]... | --inventory FILE) [--format FORMAT] [--output FILE] [--fail-on SEVERITY] [--apply]",
		Short: "Audit what runs: new vulnerabilities, stale images, updates",
		Long: `Audit the images that run in production, listed by a Kubernetes cluster
(the digest each container runs, and the workload that owns it) or by an
inventory file. Images not seen before are cataloged once and their SBOM
kept; their findings are matched again only where the vulnerability
database changed since the previous audit. The report leads with what is
new since then (each vulnerability, the workloads it hits, whether a fix
exists), then staleness, images of unknown origin, sprawl and an update
plan; --apply rolls the plan out, one workload at a time.

The audit keeps what it learned in the data directory (./drydock-data,
created when missing), or in the registry's store when --config,
--data/--database or DRYDOCK_DATABASE point at one; then its events also
go to the namespaces' webhooks (audit.vulnerability, audit.completed) from
the store's outbox, sent by the drydock serve on that store. drydock serve
--audit-every runs the same audit on a schedule (docs/audit.md).

Exit codes: 0 done (nothing at or above --fail-on), 1 a finding at or
above --fail-on, 2 usage or input error, 3 internal error.`,
		Example: `  drydock audit --kubeconfig ~/.kube/config --context prod --namespace shop
  drydock audit --inventory production.yaml --format html --output audit.html
  drydock audit --inventory production.yaml --fail-on high --format json
  drydock audit --kubeconfig prod.kubeconfig --apply --wait 10m
  DRYDOCK_DATABASE=postgres://db/drydock drydock audit --inventory production.yaml`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			fl := cmd.Flags()
			if (fl.Changed("context") || fl.Changed("namespace")) && !fl.Changed("kubeconfig") && fl.Changed("inventory") {
				return withUsage(cmd, errors.New("--context and --namespace choose a cluster's part: they go with --kubeconfig, not --inventory"))
			}
			cfg, err := cf.resolve(cmd)
			if err != nil {
				return err
			}
			if err := auditSource(cmd, &cfg); err != nil {
				return err
			}
			sev, err := f.check(cmd, cfg)
			if err != nil {
				return err
			}
			return runAudit(cmd.Context(), cfg, f, sev, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f.addFlags(cmd.Flags())
	cf.add(cmd, false)
	return cmd
}

// runAudit is the verb without the shell: one audit of cfg's source, the
// report written, and an error whose exit code says done, over --fail-on,
// bad input or internal error.
func runAudit(ctx context.Context, cfg server.Config, f auditFlags, failOn match.Severity, stdout, stderr io.Writer) error {
	var pol *policy.Policy
	if f.policy == "" {
		f.policy = cfg.AuditPolicy
	}
	if f.policy != "" {
		var err error
		if pol, err = policy.Load(f.policy); err != nil {
			return err
		}
	}
	imageOpts, err := f.imageOptions()
	if err != nil {
		return err
	}
	var kube kubernetes.Interface
	var src fleet.Source
	if cfg.AuditKubeconfig != "" {
		var name string
		if kube, name, err = fleet.KubeClient(cfg.AuditKubeconfig, cfg.AuditContext); err != nil {
			return err
		}
		src = fleet.NewKubeSource(kube, name, cfg.AuditNamespaces)
	} else if src, err = fleet.LoadInventory(cfg.AuditInventory, imageOpts...); err != nil {
		return err
	}
	db, _, err := openScanDB(ctx, cfg.VulnDB, f.quiet, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	data, err := server.OpenData(ctx, cfg, server.Auditing, quietLogger())
	if err != nil {
		return err
	}
	defer data.Close()
	sc, err := scan.New(db, scan.WithImageOptions(imageOpts...), scan.WithCatalogOptions(f.catalogOptions()...))
	if err != nil {
		return err
	}
	// The registry's namespace policies, when the data is a registry's:
	// its images are held to the thresholds it judges them by.
	settings, err := enforce.NewSettings(ctx, data.Store)
	if err != nil {
		return err
	}
	a, err := fleet.New(fleet.Config{Store: data.Store, Blobs: data.Blobs, Scanner: sc, Database: func() enforce.Database { return db },
		Registries: f.privateRegistries(cfg), Policy: pol, Policies: settings, ImageOptions: imageOpts, Logger: quietLogger()})
	if err != nil {
		return err
	}
	ctx, cancel, err := f.withTimeout(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	rep, err := a.Run(ctx, src)
	if err != nil {
		return f.timeoutErr(ctx, err)
	}
	var applyErr error
	if f.apply && len(rep.Plan) > 0 {
		applyErr = applyFailure(fleet.Apply(ctx, kube, rep.Plan, f.wait, stderr))
	}
	if hooks, err := webhook.New(data.Store, webhook.WithLogger(quietLogger())); err != nil {
		return err
	} else if err := fleet.Notify(ctx, hooks, rep); err != nil && !f.quiet {
		fmt.Fprintln(stderr, "drydock: warning: webhook events not queued:", err)
	}
	write := func(w io.Writer) error { return fleet.Write(w, rep, f.format) }
	if f.output == "" {
		err = write(stdout)
	} else if err = writeAtomic(f.output, write); err == nil && !f.quiet {
		fmt.Fprintf(stderr, "drydock: audit %d: %d images, %d new vulnerabilities; report written to %s\n", rep.ID, len(rep.Images), len(rep.New), f.output)
	}
	if err != nil {
		return err
	}
	if applyErr != nil {
		return applyErr
	}
	if f.failOn != "" {
		return rep.FailOn(failOn)
	}
	return nil
}

// applyFailure is Apply's error unless it only reports skipped steps
// (workloads --apply does not roll, such as bare Pods): those are listed
// on standard error and in the report, and do not fail the audit.
func applyFailure(err error) error {
	if err == nil {
		return nil
	}
	var joined interface{ Unwrap() []error }
	errs := []error{err}
	if errors.As(err, &joined) {
		errs = joined.Unwrap()
	}
	for _, e := range errs {
		if !errors.Is(e, fleet.ErrNotRollable) {
			return err
		}
	}
	return nil
}
