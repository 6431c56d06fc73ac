package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/drydock/drydock/blobstore"
	"github.com/drydock/drydock/registry"
	"github.com/drydock/drydock/server"
	"github.com/drydock/drydock/store"
)

func init() { addCommand(newGCCmd) }

func newGCCmd() *cobra.Command {
	var cfg server.Config
	var del bool
	var grace time.Duration
	cmd := &cobra.Command{
		Use:   "gc",
		Short: "Remove blobs no manifest needs (a dry run unless --delete)",
		Long: "Remove blob links no manifest references, blobs no repository links, stray blob files and stale uploads.\n" +
			"Without --delete it only reports. --delete refuses to run while a read-write `drydock serve` uses the data directory:\n" +
			"stop it or restart it with --read-only first (with PostgreSQL and several hosts, that is the operator's job).",
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cfg.Defaults(); err != nil {
				return usageError{err}
			}
			ctx := cmd.Context()
			if del {
				unlock, err := server.LockData(cfg.DataDir, true)
				if err != nil {
					return err
				}
				defer unlock()
			}
			st, err := store.Open(ctx, cfg.Database)
			if err != nil {
				return err
			}
			defer st.Close()
			blobs, err := blobstore.NewFilesystem(cfg.BlobDir)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			rep, err := registry.CollectGarbage(ctx, st, blobs, registry.GCOptions{Delete: del, Grace: grace, Log: out})
			if err != nil {
				return err
			}
			verb := "would remove"
			if del {
				verb = "removed"
			}
			_, err = fmt.Fprintf(out, "gc: %s %d links, %d blobs (%d bytes), %d stray files, %d stale uploads; %d deletes failed\n",
				verb, rep.Links, rep.Blobs, rep.Bytes, rep.StrayFiles, rep.StaleUploads, rep.FailedDeletes)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.DataDir, "data", "drydock-data", "data directory")
	f.StringVar(&cfg.Database, "database", "", "store DSN (default sqlite in the data directory)")
	f.BoolVar(&del, "delete", false, "really delete (default: dry run)")
	f.DurationVar(&grace, "grace", time.Hour, "keep anything younger than this")
	return cmd
}
