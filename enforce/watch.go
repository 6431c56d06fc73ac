package enforce

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/drydock/drydock/vulndb"
)

// RunFile opens the vulnerability database at path and rematches against
// it (the change since the last rematch).
func (r *Rematcher) RunFile(ctx context.Context, path string) (*RematchReport, error) {
	db, err := vulndb.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return r.Run(ctx, db, false)
}

// Watch rematches whenever the database file at path is replaced — by
// `drydock db update`, `db import` or `db pull` on this machine, or by a
// scheduled update — checking every interval until ctx ends, and once at
// the start. done receives each rematch's report or error; it may be nil.
// A missing file is waited for, not an error.
func (r *Rematcher) Watch(ctx context.Context, path string, every time.Duration, done func(*RematchReport, error)) {
	r.WatchKicked(ctx, path, every, nil, done)
}

// WatchKicked is Watch that also looks at the file at once whenever kick
// receives (a scheduled update that just replaced it).
func (r *Rematcher) WatchKicked(ctx context.Context, path string, every time.Duration, kick <-chan struct{}, done func(*RematchReport, error)) {
	if done == nil {
		done = func(*RematchReport, error) {}
	}
	var last os.FileInfo
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		fi, err := os.Stat(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			done(nil, fmt.Errorf("enforce: watch %s: %w", path, err))
		case last == nil || !fi.ModTime().Equal(last.ModTime()) || fi.Size() != last.Size() || !os.SameFile(fi, last):
			rep, err := r.RunFile(ctx, path)
			if err == nil {
				last = fi
			}
			done(rep, err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-kick:
		}
	}
}
