package main

import (
	"fmt"
	"log/slog"
	"os"
	"strconv"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/drydock/drydock/server"
)

func init() { addCommand(newWorkerCmd) }

// newWorkerCmd runs scan workers beside drydock serve, on its database and
// blobs; the flags and variables are serve's.
func newWorkerCmd() *cobra.Command {
	cf := &configFlags{bind: func(f *pflag.FlagSet, c *server.Config) {
		blobFlags(f, c)
		workerFlags(f, c)
	}}
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Run scan workers on the registry's queue, beside drydock serve",
		Long: `Take scan jobs from the queue in the registry's database (the same
--config, DRYDOCK_*, --data, --database and --blobs as drydock serve), scan
each image from the blob store and store its SBOM and verdict. Runs until
interrupted.`,
		Example: `  drydock worker --workers 4
  drydock worker --database postgres://drydock@db/drydock --blobs /srv/blobs`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := cf.resolve(cmd)
			if err != nil {
				return err
			}
			return server.RunWorker(cmd.Context(), cfg, slog.New(slog.NewJSONHandler(os.Stderr, nil)))
		},
	}
	cf.add(cmd, false)
	return cmd
}

// workerFlags declares --workers, --db and --job-timeout for serve and worker.
func workerFlags(f *pflag.FlagSet, c *server.Config) {
	f.Var(workersFlag{&c.Workers}, "workers", "scan jobs run at once in this process; 0: none\n(pushes wait for drydock worker)")
	f.StringVar(&c.VulnDB, "db", "", "vulnerability database to scan with (default $DRYDOCK_DB\nor the user cache, as drydock db update writes)")
	f.DurationVar(&c.JobTimeout, "job-timeout", 0, "time one scan attempt may take (default 10m)")
}

// workersFlag is --workers: 0 means none, which the configuration spells -1
// (its zero value means the default, 2).
type workersFlag struct{ n *int }

func (w workersFlag) String() string {
	switch {
	case w.n == nil || *w.n == 0:
		return "2"
	case *w.n < 0:
		return "0"
	}
	return strconv.Itoa(*w.n)
}

func (w workersFlag) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return fmt.Errorf("%q: want a number of workers, 0 or more", s)
	}
	if n == 0 {
		n = -1
	}
	*w.n = n
	return nil
}

func (w workersFlag) Type() string { return "int" }
