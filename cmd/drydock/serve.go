package main

import (
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/drydock/drydock/server"
)

func init() { addCommand(newServeCmd) }

// newServeCmd wires flags, DRYDOCK_* variables and a config file to
// server.New; flags win over the environment, which wins over the file.
func newServeCmd() *cobra.Command {
	var cfg server.Config
	var file string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the private registry (/v2/, /token, /metrics, /healthz, /readyz)",
		Long: "Run the private registry. Defaults: 127.0.0.1:5000, ./drydock-data with SQLite at drydock-data/drydock.db and blobs under drydock-data/blobs.\n" +
			"Environment: DRYDOCK_ADDR, DRYDOCK_DATA, DRYDOCK_DATABASE, DRYDOCK_TLS_CERT, DRYDOCK_TLS_KEY, DRYDOCK_ADMIN_PASSWORD (first administrator), DRYDOCK_ANONYMOUS.",
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
			ctx := cmd.Context()
			logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
			srv, err := server.New(ctx, merged, logger, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			defer srv.Close()
			return srv.Serve(ctx, cmd.ErrOrStderr(), nil)
		},
	}
	f := cmd.Flags()
	f.StringVar(&file, "config", "", "YAML config file")
	f.StringVar(&cfg.Addr, "addr", "127.0.0.1:5000", "listen address")
	f.StringVar(&cfg.DataDir, "data", "drydock-data", "data directory (SQLite database and blobs)")
	f.StringVar(&cfg.Database, "database", "", "store DSN: a path, sqlite:PATH or postgres://… (default sqlite in the data directory)")
	f.StringVar(&cfg.TLSCert, "tls-cert", "", "TLS certificate file")
	f.StringVar(&cfg.TLSKey, "tls-key", "", "TLS key file")
	f.BoolVar(&cfg.Anonymous, "anonymous", false, "no authentication: anyone may push and delete (local testing only)")
	f.BoolVar(&cfg.ReadOnly, "read-only", false, "refuse pushes and deletes")
	f.BoolVar(&cfg.SparseManifests, "sparse-manifests", false, "accept image manifests whose layers were not pushed (partial mirrors)")
	f.DurationVar(&cfg.RetentionEvery, "retention-every", 0, "apply the retention rules on this schedule, e.g. 24h (default: never; see drydock retention)")
	addWorkerFlags(f, &cfg, "scan jobs run at once in this process; 0: none, pushes wait for drydock worker")
	return cmd
}

// overrideFlags copies onto c the flags the user set, and the flag
// defaults where neither the file nor the environment said anything.
func overrideFlags(cmd *cobra.Command, c, flags *server.Config) {
	pick := func(name string, dst *string, v string) {
		if cmd.Flags().Changed(name) || *dst == "" {
			*dst = v
		}
	}
	pick("addr", &c.Addr, flags.Addr)
	pick("data", &c.DataDir, flags.DataDir)
	pick("database", &c.Database, flags.Database)
	pick("tls-cert", &c.TLSCert, flags.TLSCert)
	pick("tls-key", &c.TLSKey, flags.TLSKey)
	if cmd.Flags().Changed("anonymous") {
		c.Anonymous = flags.Anonymous
	}
	if cmd.Flags().Changed("read-only") {
		c.ReadOnly = flags.ReadOnly
	}
	if cmd.Flags().Changed("sparse-manifests") {
		c.SparseManifests = flags.SparseManifests
	}
	if cmd.Flags().Changed("retention-every") {
		c.RetentionEvery = flags.RetentionEvery
	}
	overrideWorkerFlags(cmd, c, flags)
}
