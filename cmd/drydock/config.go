package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/drydock/drydock/server"
	"github.com/drydock/drydock/store"
)

// configFlags is how every verb that works on drydock's data (serve, gc and
// the management verbs) learns its configuration, in one order: the
// --config file, then DRYDOCK_* variables, then the flags given on the
// command line, then the defaults.
type configFlags struct {
	file string
	// bind declares the verb's configuration flags on fs, writing into c.
	bind func(fs *pflag.FlagSet, c *server.Config)
}

// dataFlags declares where the data is: what every verb needs.
func dataFlags(fs *pflag.FlagSet, c *server.Config) {
	fs.StringVar(&c.DataDir, "data", "drydock-data", "data directory (SQLite database and blobs)")
	fs.StringVar(&c.Database, "database", "", "store DSN: a path, sqlite:PATH or postgres://…\n(default sqlite in the data directory)")
}

// blobFlags adds where the blobs are, for verbs that read them.
func blobFlags(fs *pflag.FlagSet, c *server.Config) {
	dataFlags(fs, c)
	fs.StringVar(&c.BlobDir, "blobs", "", "blob directory (default blobs in the data directory)")
}

// add declares --config and the verb's flags. persistent puts them on every
// subcommand of a group.
func (cf *configFlags) add(cmd *cobra.Command, persistent bool) {
	fs := cmd.Flags()
	if persistent {
		fs = cmd.PersistentFlags()
	}
	fs.StringVar(&cf.file, "config", "", "YAML config file, as for drydock serve")
	var shown server.Config // receives the flags' values; resolve reads them back by name
	cf.bind(fs, &shown)
}

// resolve merges the file, the environment and the flags the user set on cmd.
func (cf *configFlags) resolve(cmd *cobra.Command) (server.Config, error) {
	var c server.Config
	if cf.file != "" {
		if err := c.LoadFile(cf.file); err != nil {
			return c, err
		}
	}
	if err := c.LoadEnv(); err != nil {
		return c, usageError{err}
	}
	// Declare the same flags again, writing into c, and replay only those
	// given on the command line. Declaring writes each flag's default into
	// c, so c is restored first: a default never overrides the file or the
	// environment.
	replay := pflag.NewFlagSet(cmd.Name(), pflag.ContinueOnError)
	before := c
	cf.bind(replay, &c)
	c = before
	var err error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		dst := replay.Lookup(f.Name)
		if !f.Changed || dst == nil || err != nil {
			return
		}
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			if dv, ok := dst.Value.(pflag.SliceValue); ok {
				err = dv.Replace(sv.GetSlice())
				return
			}
		}
		err = dst.Value.Set(f.Value.String())
	})
	if err != nil {
		return c, usageError{err}
	}
	if err := c.Defaults(); err != nil {
		return c, usageError{err}
	}
	return c, nil
}

// noData turns "there is no drydock data here" into what the user can do.
func noData(err error) error {
	var nd *store.NoDataError
	if errors.As(err, &nd) {
		return usageError{fmt.Errorf("no drydock data at %s (pass --data/--database or start drydock serve first)", nd.Where)}
	}
	return err
}
