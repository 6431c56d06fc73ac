package main

import (
	"log/slog"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/drydock/drydock/server"
)

func init() { addCommand(newWorkerCmd) }

// newWorkerCmd runs scan workers beside drydock serve, on its database and
// blobs; the flags and variables are serve's.
func newWorkerCmd() *cobra.Command {
	var cfg server.Config
	var file string
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Run scan workers on the registry's queue, beside drydock serve",
		Long: "Take scan jobs from the queue in the registry's database (the same --data, --database and --config as drydock serve),\n" +
			"scan each image from the blob store and store its SBOM and verdict. Runs until interrupted.",
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			var merged server.Config
			if file != "" {
				if err := merged.LoadFile(file); err != nil {
					return usageError{err}
				}
			}
			if err := merged.LoadEnv(); err != nil {
				return usageError{err}
			}
			overrideFlags(cmd, &merged, &cfg)
			return server.RunWorker(cmd.Context(), merged, slog.New(slog.NewJSONHandler(os.Stderr, nil)))
		},
	}
	f := cmd.Flags()
	f.StringVar(&file, "config", "", "YAML config file (as for drydock serve)")
	f.StringVar(&cfg.DataDir, "data", "drydock-data", "data directory (SQLite database and blobs)")
	f.StringVar(&cfg.Database, "database", "", "store DSN: a path, sqlite:PATH or postgres://… (default sqlite in the data directory)")
	addWorkerFlags(f, &cfg, "scan jobs run at once")
	return cmd
}

// addWorkerFlags adds --workers, --db and --job-timeout to serve and worker.
func addWorkerFlags(f *pflag.FlagSet, cfg *server.Config, workersHelp string) {
	f.IntVar(&cfg.Workers, "workers", 2, workersHelp)
	f.StringVar(&cfg.VulnDB, "db", "", "vulnerability database to scan with (default $DRYDOCK_DB or the user cache, as drydock db update writes)")
	f.DurationVar(&cfg.JobTimeout, "job-timeout", 0, "time one scan attempt may take (default 10m)")
}

// overrideWorkerFlags copies the worker flags the user set onto c; --workers
// 0 means none (the config's "workers: -1").
func overrideWorkerFlags(cmd *cobra.Command, c, flags *server.Config) {
	if cmd.Flags().Changed("workers") {
		c.Workers = flags.Workers
		if c.Workers == 0 {
			c.Workers = -1
		}
	}
	if cmd.Flags().Changed("db") {
		c.VulnDB = flags.VulnDB
	}
	if cmd.Flags().Changed("job-timeout") {
		c.JobTimeout = flags.JobTimeout
	}
}
