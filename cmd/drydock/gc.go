package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/drydock/drydock/registry"
	"github.com/drydock/drydock/server"
)

func init() { addCommand(newGCCmd) }

func newGCCmd() *cobra.Command {
	cf := &configFlags{bind: blobFlags}
	var del bool
	var grace time.Duration
	cmd := &cobra.Command{
		Use:   "gc",
		Short: "Remove blobs no manifest needs (a dry run unless --delete)",
		Long: `Remove blob links no manifest references, blobs no repository links,
stray blob files and stale uploads. Without --delete it only reports.

gc reads the same configuration as drydock serve (--config, DRYDOCK_*,
--data, --database, --blobs) and never creates data.

--delete refuses to run while a read-write drydock serve uses the data
directory: stop it or restart it with --read-only first (with PostgreSQL
and several hosts, that is the operator's job).`,
		Example: `  drydock gc
  drydock gc --delete
  drydock gc --delete --grace 0
  DRYDOCK_DATA=/srv/drydock drydock gc --delete`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := cf.resolve(cmd)
			if err != nil {
				return err
			}
			if grace < 0 {
				return usageError{fmt.Errorf("--grace %s: want 0 or more", grace)}
			}
			mode := server.Reading
			if del {
				mode = server.Sweeping
			}
			ctx := cmd.Context()
			data, err := server.OpenData(ctx, cfg, mode, quietLogger())
			if err != nil {
				return noData(err)
			}
			defer data.Close()
			out := cmd.OutOrStdout()
			rep, err := registry.CollectGarbage(ctx, data.Store, data.Blobs, registry.GCOptions{Delete: del, Grace: grace, Log: out})
			if err != nil {
				return err
			}
			verb := "would remove"
			if del {
				verb = "removed"
			}
			fmt.Fprintf(out, "gc: %s %d links, %d blobs (%d bytes), %d stray files, %d stale uploads; %d deletes failed\n",
				verb, rep.Links, rep.Blobs, rep.Bytes, rep.StrayFiles, rep.StaleUploads, rep.FailedDeletes)
			if k := rep.Kept; k != (registry.GCKept{}) {
				fmt.Fprintf(out, "gc: kept %d links, %d blobs, %d stray files and %d uploads younger than the grace period (%s):\n"+
					"    a push in progress may still need them; --grace 0 collects them too\n",
					k.Links, k.Blobs, k.StrayFiles, k.Uploads, grace)
			}
			return nil
		},
	}
	cf.add(cmd, false)
	f := cmd.Flags()
	f.BoolVar(&del, "delete", false, "really delete (default: dry run)")
	f.DurationVar(&grace, "grace", registry.DefaultGrace, "keep anything younger than this (0 keeps nothing)")
	return cmd
}
