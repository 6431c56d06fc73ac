package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/drydock/drydock/fleet"
	"github.com/drydock/drydock/match"
	"github.com/drydock/drydock/server"
)

// auditFlags are the flags of `drydock audit` besides the configuration
// ones (auditConfigFlags).
type auditFlags struct {
	imageFlags
	format, output, failOn, policy string
	registries                     []string
	apply                          bool
	wait                           time.Duration
}

// defaultWait bounds one workload's rollout under --apply.
const defaultWait = 5 * time.Minute

func (f *auditFlags) addFlags(fl *pflag.FlagSet) {
	fl.StringVar(&f.format, "format", "table", strings.Join(fleet.Formats, ", ")+" (html: one self-contained file with charts)")
	fl.StringVarP(&f.output, "output", "o", "", "write the report to FILE (atomically), not standard output")
	fl.StringVar(&f.failOn, "fail-on", "", "fail (exit 1) when running images carry a finding at or above low, medium, high or critical")
	fl.StringVar(&f.policy, "policy", "", "policy file (YAML) whose thresholds (maxAge) apply to images pulled from elsewhere; the registry's own images are held to their namespace's policy (default: the config's auditPolicy)")
	fl.StringSliceVar(&f.registries, "registry", nil, "host[:port] workloads pull the private registry's images by (repeatable; default: the config's admissionRegistries, else its addr)")
	fl.BoolVar(&f.apply, "apply", false, "roll each planned update out through the Kubernetes API, one workload at a time (--kubeconfig only)")
	fl.DurationVar(&f.wait, "wait", defaultWait, "with --apply, how long one workload's rollout may take")
	f.imageFlags.addFlags(fl)
}

// auditConfigFlags declares the configuration the audit shares with
// drydock serve: where its data is, the vulnerability database, and the
// source of what runs (the auditKubeconfig, auditContext, auditNamespaces
// and auditInventory keys).
func auditConfigFlags(fs *pflag.FlagSet, c *server.Config) {
	blobFlags(fs, c)
	fs.StringVar(&c.VulnDB, "db", "", "vulnerability database (default $DRYDOCK_DB or the user cache)")
	fs.StringVar(&c.AuditKubeconfig, "kubeconfig", "", "audit the cluster of this kubeconfig file")
	fs.StringVar(&c.AuditContext, "context", "", "its context (default: the file's current context)")
	fs.StringSliceVar(&c.AuditNamespaces, "namespace", nil, "Kubernetes namespace to audit (repeatable; default all)")
	fs.StringVar(&c.AuditInventory, "inventory", "", "audit what this inventory file lists (see docs/audit.md)")
}

// auditSource settles where what runs comes from: a source given on the
// command line replaces the config's, and exactly one is needed.
func auditSource(cmd *cobra.Command, cfg *server.Config) error {
	kube, inv := cmd.Flags().Changed("kubeconfig"), cmd.Flags().Changed("inventory")
	switch {
	case inv && !kube:
		cfg.AuditKubeconfig, cfg.AuditContext, cfg.AuditNamespaces = "", "", nil
	case kube && !inv:
		cfg.AuditInventory = ""
	}
	switch {
	case cfg.AuditKubeconfig == "" && cfg.AuditInventory == "":
		return withUsage(cmd, errors.New("nothing to audit: give --kubeconfig FILE (a cluster) or --inventory FILE (a list of what runs)"))
	case cfg.AuditKubeconfig != "" && cfg.AuditInventory != "":
		return withUsage(cmd, fmt.Errorf("--kubeconfig %s and --inventory %s: audit one source at a time", cfg.AuditKubeconfig, cfg.AuditInventory))
	}
	return nil
}

// check refuses contradictory flags before any work is done.
func (f *auditFlags) check(cmd *cobra.Command, cfg server.Config) (match.Severity, error) {
	if !slices.Contains(fleet.Formats, strings.ToLower(strings.TrimSpace(f.format))) {
		return 0, usageError{fmt.Errorf("--format %q: want one of %s", f.format, strings.Join(fleet.Formats, ", "))}
	}
	var sev match.Severity
	if f.failOn != "" {
		var err error
		if sev, err = parseFailOn(f.failOn); err != nil {
			return 0, err
		}
	}
	switch {
	case f.apply && cfg.AuditKubeconfig == "":
		return 0, usageError{errors.New("--apply rolls workloads out through the Kubernetes API: it needs --kubeconfig")}
	case cmd.Flags().Changed("wait") && !f.apply:
		return 0, usageError{errors.New("--wait bounds each rollout of --apply; give --apply too")}
	case f.wait <= 0:
		return 0, usageError{fmt.Errorf("--wait %s: want a positive duration", f.wait)}
	}
	return sev, nil
}

// privateRegistries are the names the private registry's images are
// pulled by: --registry, else the config's (admissionRegistries, else addr).
func (f *auditFlags) privateRegistries(cfg server.Config) []string {
	if len(f.registries) > 0 {
		return f.registries
	}
	return cfg.PullRegistries()
}
