// Command drydock keeps container images honest from build to retirement:
// it catalogs and scans images, gates them in CI, serves the private registry,
// answers admission reviews and audits what runs.
//
// This package only wires flags to library calls; each verb lives in its own
// file and registers itself with addCommand.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/drydock/drydock/internal/build"
)

// Exit codes are a contract for CI.
const (
	exitPass     = 0 // everything passed
	exitPolicy   = 1 // a policy failed: findings over threshold, a rule refused
	exitUsage    = 2 // bad usage or bad input (a missing file, a malformed image)
	exitInternal = 3 // drydock could not do its job
)

var commands []func() *cobra.Command

// addCommand registers a verb; each verb's file calls it from init.
func addCommand(f func() *cobra.Command) { commands = append(commands, f) }

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "drydock",
		Short:         "Keep container images honest: catalog, scan, sign, gate, serve, admit and audit them",
		Version:       build.Version(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate("drydock {{.Version}}\n")
	setHelp(root)
	root.SetFlagErrorFunc(withUsage)
	for _, f := range commands {
		cmd := f()
		strictGroups(cmd)
		root.AddCommand(cmd)
	}
	return root
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRoot().ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "drydock:", err)
	}
	os.Exit(exitCode(err))
}
