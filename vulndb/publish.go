package vulndb

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

type step struct {
	q    string
	args []any
}

// publish removes orphaned records, refreshes the counts, and renames the
// finished file over the old one, synced, so the old file is replaced whole.
func (w *writer) publish(ctx context.Context) error {
	now := w.now.UnixNano()
	steps := []step{
		{"INSERT OR REPLACE INTO removed (id, at) SELECT id, ? FROM advisories a WHERE NOT EXISTS (SELECT 1 FROM provides p WHERE p.adv = a.rowid)", []any{now}},
		{"DELETE FROM affected WHERE adv IN (SELECT rowid FROM advisories a WHERE NOT EXISTS (SELECT 1 FROM provides p WHERE p.adv = a.rowid))", nil},
		{"DELETE FROM advisories WHERE NOT EXISTS (SELECT 1 FROM provides p WHERE p.adv = advisories.rowid)", nil},
	}
	for key, s := range w.seen {
		steps = append(steps, step{"INSERT INTO ecosystems (eco, written, source, records) VALUES (?, ?, ?, 0) ON CONFLICT (eco) DO UPDATE SET source = excluded.source", []any{key, s.written, s.source}})
	}
	steps = append(steps,
		step{`UPDATE ecosystems SET records = (SELECT COUNT(DISTINCT f.adv) FROM affected f JOIN advisories a ON a.rowid = f.adv
			WHERE f.eco = ecosystems.eco AND a.withdrawn IS NULL)`, nil},
		step{"DELETE FROM ecosystems WHERE records = 0 AND NOT EXISTS (SELECT 1 FROM affected WHERE eco = ecosystems.eco)", nil},
		step{"INSERT OR REPLACE INTO info (key, value) VALUES ('built', ?)", []any{strconv.FormatInt(now, 10)}},
	)
	for _, s := range steps {
		if _, err := w.conn.ExecContext(ctx, s.q, s.args...); err != nil {
			return fmt.Errorf("vulndb: finish: %w", err)
		}
	}
	if _, err := w.conn.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("vulndb: finish: %w", err)
	}
	// Replacing whole sources leaves free pages behind; compact when they
	// are a quarter of the file.
	var free, pages int64
	if err := w.conn.QueryRowContext(ctx, "PRAGMA freelist_count").Scan(&free); err != nil {
		return fmt.Errorf("vulndb: %w", err)
	}
	if err := w.conn.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
		return fmt.Errorf("vulndb: %w", err)
	}
	if free*4 > pages {
		if _, err := w.conn.ExecContext(ctx, "VACUUM"); err != nil {
			return fmt.Errorf("vulndb: vacuum: %w", err)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := w.closeDB(); err != nil {
		return err
	}
	return w.rename()
}

func (w *writer) rename() error {
	f, err := os.OpenFile(w.tmp, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("vulndb: %w", err)
	}
	err = f.Chmod(0o644)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("vulndb: sync %s: %w", w.tmp, err)
	}
	if err := os.Rename(w.tmp, w.path); err != nil {
		return fmt.Errorf("vulndb: %w", err)
	}
	w.tmp = ""
	// Sync the folder so the rename itself survives a crash.
	if d, err := os.Open(filepath.Dir(w.path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

func (w *writer) closeDB() error {
	var err error
	for _, s := range w.stmts {
		if s != nil { // a failed prepare leaves nil
			s.Close()
		}
	}
	w.stmts = nil
	if w.conn != nil {
		err = w.conn.Close()
		w.conn = nil
	}
	if w.db != nil {
		if cerr := w.db.Close(); err == nil {
			err = cerr
		}
		w.db = nil
	}
	if err != nil {
		return fmt.Errorf("vulndb: %w", err)
	}
	return nil
}

// abort throws the temporary file away; the published file is untouched.
func (w *writer) abort() {
	w.closeDB()
	if w.tmp != "" {
		os.Remove(w.tmp)
		os.Remove(w.tmp + "-journal")
		w.tmp = ""
	}
}

// leftoverAge is how old a temporary file must be before a later writer
// deletes it as the leftover of a killed update; a running update keeps
// writing to its own, so its modification time stays recent.
const leftoverAge = 6 * time.Hour

// removeLeftovers deletes temporary files that killed updates left beside
// the database.
func removeLeftovers(dir, path string) {
	for _, pattern := range []string{"." + filepath.Base(path) + "-*.tmp", ".download-*"} {
		matches, _ := filepath.Glob(filepath.Join(dir, pattern))
		for _, m := range matches {
			if fi, err := os.Lstat(m); err == nil && fi.Mode().IsRegular() && time.Since(fi.ModTime()) > leftoverAge {
				os.Remove(m)
			}
		}
	}
}
