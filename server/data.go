package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/blobstore"
	"github.com/drydock/drydock/store"
)

// Mode says what a process will do with drydock's data, and so what
// OpenData may create and which lock it takes.
type Mode int

const (
	// Serving creates the data directory and the database when missing and
	// shares the writer lock unless the config is read-only. Only `drydock
	// serve` opens data this way.
	Serving Mode = iota
	// Managing is for the account and audit-log verbs: the database must
	// exist; no blob store, no lock.
	Managing
	// Reading is gc's dry run: the database and the blob directory must
	// exist; no lock.
	Reading
	// Sweeping is gc --delete: as Reading, holding the data directory's
	// exclusive lock, so no read-write server runs beside it.
	Sweeping
	// Auditing is `drydock audit`: it creates the data directory and the
	// database when missing (an audit keeps SBOMs, findings and its
	// reports there, so the next one can tell what is new), opens the
	// blob store only where the blob directory exists (a registry's data),
	// takes no lock, so it runs beside a serving registry, and opens no
	// auth service.
	Auditing
)

// Data is what every drydock process opens from one Config: the store, the
// blob store, the audit log and the auth service. It is the one place they
// are built, for serve, gc and the management verbs alike.
type Data struct {
	Config Config
	Store  *store.Store
	// Blobs is nil when Managing, and when Auditing data without blobs.
	Blobs *blobstore.Store
	Audit *auditlog.Log
	// Auth is nil when serving anonymously, and when Auditing.
	Auth *auth.Service

	unlock func()
}

// OpenData resolves cfg's defaults and opens what mode needs. Data that
// must exist and does not is a *store.NoDataError.
func OpenData(ctx context.Context, cfg Config, mode Mode, logger *slog.Logger) (*Data, error) {
	if err := cfg.Defaults(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.Default()
	}
	d := &Data{Config: cfg, unlock: func() {}}
	if err := d.open(ctx, mode, logger); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

func (d *Data) open(ctx context.Context, mode Mode, logger *slog.Logger) error {
	cfg := d.Config
	var storeOpts []store.OpenOption
	switch {
	case mode == Auditing && dsnKind(cfg.Database) == "postgres":
		// The registry's store: nothing to create on this machine.
	case mode == Serving, mode == Auditing:
		if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
			return &ConfigError{Where: "data directory", Err: err}
		}
	default:
		storeOpts = append(storeOpts, store.Existing())
	}
	var err error
	switch {
	case mode == Serving && !cfg.ReadOnly, mode == Sweeping:
		if mode == Sweeping {
			if err := mustExist(cfg.DataDir); err != nil {
				return err
			}
		}
		if d.unlock, err = store.LockData(cfg.DataDir, mode == Sweeping); err != nil {
			d.unlock = func() {}
			return err
		}
	}
	if d.Store, err = store.Open(ctx, cfg.Database, storeOpts...); err != nil {
		return err
	}
	if mode == Auditing {
		if _, err := os.Stat(cfg.BlobDir); err == nil {
			if d.Blobs, err = blobstore.NewFilesystem(cfg.BlobDir); err != nil {
				return err
			}
		}
	} else if mode != Managing {
		if mode != Serving {
			if err := mustExist(cfg.BlobDir); err != nil {
				return err
			}
		}
		if d.Blobs, err = blobstore.NewFilesystem(cfg.BlobDir); err != nil {
			return err
		}
	}
	if d.Audit, err = auditlog.New(d.Store, auditlog.WithLogger(logger)); err != nil {
		return err
	}
	if mode == Serving && cfg.Anonymous || mode == Auditing {
		return nil
	}
	authOpts := []auth.Option{auth.WithRecorder(d.Audit), auth.WithLogger(logger)}
	if cfg.Realm != "" {
		authOpts = append(authOpts, auth.WithRealm(cfg.Realm))
	}
	d.Auth, err = auth.New(ctx, d.Store, authOpts...)
	return err
}

// mustExist refuses a directory that is not there, as a *store.NoDataError.
func mustExist(dir string) error {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &store.NoDataError{Where: dir}
	case err != nil:
		return fmt.Errorf("server: %w", err)
	case !st.IsDir():
		return &ConfigError{Where: dir, Err: errors.New("not a directory")}
	}
	return nil
}

// Close writes what the audit log still holds, closes the store and
// releases the data directory's lock.
func (d *Data) Close() error {
	var err error
	if d.Audit != nil {
		// The counts of anonymous denials not yet written.
		if ferr := d.Audit.Flush(context.Background()); ferr != nil {
			err = fmt.Errorf("audit log: writing the denial counts: %w", ferr)
		}
	}
	if d.Store != nil {
		err = errors.Join(err, d.Store.Close())
	}
	d.unlock()
	return err
}
