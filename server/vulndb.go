package server

import (
	"context"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/drydock/drydock/enforce"
	"github.com/drydock/drydock/match"
	"github.com/drydock/drydock/vulndb"
)

// liveDB is the vulnerability database of a long-running process: when
// `drydock db update`, `db import` or `db pull` replaces the file, the next
// lookup after a short interval opens the new one, so scans after an
// update match against it as the rematch does. The old file is closed once
// scans that started on it have had time to finish.
type liveDB struct {
	path  string
	every time.Duration // how often the file is looked at
	grace time.Duration // how long a replaced database stays open
	log   *slog.Logger

	mu      sync.RWMutex
	db      *vulndb.DB
	fi      os.FileInfo
	checked time.Time
	old     []*vulndb.DB
}

var (
	_ match.Source     = (*liveDB)(nil)
	_ match.Enricher   = (*liveDB)(nil)
	_ enforce.Database = (*liveDB)(nil)
)

func openLiveDB(ctx context.Context, path string, log *slog.Logger) (*liveDB, error) {
	db, err := vulndb.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	fi, _ := os.Stat(path)
	return &liveDB{path: path, every: 10 * time.Second, grace: 30 * time.Minute, log: log, db: db, fi: fi, checked: time.Now()}, nil
}

// current is the database to use now, reopened if the file was replaced.
func (l *liveDB) current(ctx context.Context) *vulndb.DB {
	l.mu.RLock()
	db, due := l.db, time.Since(l.checked) >= l.every
	l.mu.RUnlock()
	if !due {
		return db
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if time.Since(l.checked) < l.every {
		return l.db
	}
	l.checked = time.Now()
	fi, err := os.Stat(l.path)
	if err != nil || (l.fi != nil && os.SameFile(fi, l.fi) && fi.ModTime().Equal(l.fi.ModTime()) && fi.Size() == l.fi.Size()) {
		return l.db
	}
	ndb, err := vulndb.Open(context.WithoutCancel(ctx), l.path)
	if err != nil {
		l.log.Warn("drydock: the vulnerability database was replaced but does not open; scanning with the previous one", "path", l.path, "err", err)
		return l.db
	}
	old := l.db
	l.db, l.fi = ndb, fi
	l.old = append(l.old, old)
	time.AfterFunc(l.grace, func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		for i, o := range l.old {
			if o == old {
				l.old = append(l.old[:i], l.old[i+1:]...)
				break
			}
		}
		old.Close()
	})
	l.log.Info("drydock: scanning with the replaced vulnerability database", "path", l.path, "built", ndb.Built())
	return ndb
}

// recheck makes the next lookup look at the file again (it was just
// replaced).
func (l *liveDB) recheck() {
	l.mu.Lock()
	l.checked = time.Time{}
	l.mu.Unlock()
}

func (l *liveDB) Advisories(ctx context.Context, ecosystem, name string) ([]*vulndb.Advisory, error) {
	return l.current(ctx).Advisories(ctx, ecosystem, name)
}

func (l *liveDB) Advisory(ctx context.Context, id string) (*vulndb.Advisory, error) {
	return l.current(ctx).Advisory(ctx, id)
}

func (l *liveDB) ModifiedSince(ctx context.Context, t time.Time) ([]string, error) {
	return l.current(ctx).ModifiedSince(ctx, t)
}

func (l *liveDB) KEV(ctx context.Context, id string) (bool, error) {
	return l.current(ctx).KEV(ctx, id)
}

func (l *liveDB) EPSS(ctx context.Context, id string) (float64, bool, error) {
	return l.current(ctx).EPSS(ctx, id)
}

// Built and Checked name the database in use (scan.Result.Database).
func (l *liveDB) Built() time.Time   { return l.current(context.Background()).Built() }
func (l *liveDB) Checked() time.Time { return l.current(context.Background()).Checked() }

// Close closes the current database and any replaced one still open.
func (l *liveDB) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, o := range l.old {
		o.Close()
	}
	l.old = nil
	return l.db.Close()
}
