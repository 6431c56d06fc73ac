package vulndb

import (
	"bytes"
	"compress/flate"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// writer builds the next version of a database in a temporary file beside
// it: a copy of the current file (so sources an update does not touch stay
// as they are) or an empty one. Nothing is visible until publish renames it
// over the old file; abort, or a crash, leaves the old file as it was.
type writer struct {
	path, tmp string
	o         *options
	now       time.Time
	db        *sql.DB
	conn      *sql.Conn
	stmts     map[string]*sql.Stmt
	pending   int
	seen      map[string]ecoSeen // EcosystemKey → as written, by which source
	zbuf      bytes.Buffer
	zw        *flate.Writer
}

type ecoSeen struct{ written, source string }

// batchSize is how many records go into one transaction: large enough that
// commits cost little, small enough that SQLite's page cache bounds memory.
const batchSize = 5000

var writerSQL = map[string]string{
	"find":        "SELECT rowid, modified FROM advisories WHERE id = ?",
	"insert":      "INSERT INTO advisories (id, modified, changed, withdrawn, aliases, enc, body) VALUES (?, ?, ?, ?, ?, ?, ?)",
	"update":      "UPDATE advisories SET modified = ?, changed = ?, withdrawn = ?, aliases = ?, enc = ?, body = ? WHERE rowid = ?",
	"delAffected": "DELETE FROM affected WHERE adv = ?",
	"addAffected": "INSERT OR IGNORE INTO affected (eco, name, adv) VALUES (?, ?, ?)",
	"addProvides": "INSERT OR IGNORE INTO provides (source, adv) VALUES (?, ?)",
	"unremove":    "DELETE FROM removed WHERE id = ?",
}

// newWriter starts the next version of the database at path; fresh starts
// from an empty database instead of a copy of the current one.
func newWriter(ctx context.Context, path string, o *options, fresh bool) (_ *writer, err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("vulndb: %w", err)
	}
	removeLeftovers(dir, path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+"-*.tmp")
	if err != nil {
		return nil, fmt.Errorf("vulndb: %w", err)
	}
	w := &writer{path: path, tmp: f.Name(), o: o, now: o.now(), seen: map[string]ecoSeen{}}
	defer func() {
		if err != nil {
			w.abort()
		}
	}()
	if !fresh {
		if err := copyInto(f, path); err != nil {
			f.Close()
			return nil, err
		}
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("vulndb: %w", err)
	}
	if err := w.openTmp(ctx); err != nil {
		return nil, err
	}
	if err := w.ensureSchema(ctx); err != nil {
		return nil, err
	}
	w.stmts = map[string]*sql.Stmt{}
	for name, q := range writerSQL {
		if w.stmts[name], err = w.conn.PrepareContext(ctx, q); err != nil {
			return nil, fmt.Errorf("vulndb: prepare %s: %w", name, err)
		}
	}
	if w.zw, err = flate.NewWriter(&w.zbuf, flate.BestSpeed); err != nil {
		return nil, fmt.Errorf("vulndb: %w", err)
	}
	if _, err := w.conn.ExecContext(ctx, "BEGIN"); err != nil {
		return nil, fmt.Errorf("vulndb: %w", err)
	}
	return w, nil
}

// openTmp opens the temporary file. No journal and no syncs while
// building: the file is thrown away on failure, and publish syncs it once,
// whole, before the rename. A 16 MiB page cache: bench/vulndb measured 64
// MiB to cost 90 MiB more peak RSS and no less CPU, the file being in the
// OS page cache anyway.
func (w *writer) openTmp(ctx context.Context) error {
	var err error
	w.db, err = sql.Open("sqlite", sqliteURI(w.tmp, "rwc")+
		"&_pragma=journal_mode(OFF)&_pragma=synchronous(OFF)&_pragma=cache_size(-16384)&_pragma=locking_mode(EXCLUSIVE)")
	if err != nil {
		return fmt.Errorf("vulndb: %w", err)
	}
	w.db.SetMaxOpenConns(1)
	if w.conn, err = w.db.Conn(ctx); err != nil {
		return fmt.Errorf("vulndb: %w", err)
	}
	return nil
}

// copyInto copies the current database into the temporary file; a missing
// one leaves the temporary file empty, which SQLite takes as a new database.
func copyInto(dst *os.File, path string) error {
	src, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("vulndb: %w", err)
	}
	defer src.Close()
	if err := checkHeader(src, path); err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		return fmt.Errorf("vulndb: copy %s: %w", path, err)
	}
	return nil
}

// ensureSchema creates the schema in an empty file. A copy of another
// schema version is emptied and rebuilt, after a warning: its sources will
// be imported again. A file that is not a drydock database is refused.
func (w *writer) ensureSchema(ctx context.Context) error {
	v, tables, err := fileKind(ctx, w.conn, w.path)
	if err != nil {
		return err
	}
	if v == schemaVersion && tables > 0 {
		return nil
	}
	if tables > 0 {
		w.o.logger.Warn("vulndb: rebuilding a drydock database of another schema version; its sources will be imported again", "path", w.path, "version", v)
		// Close every connection first: a pooled one would keep the old
		// schema cached over the emptied file.
		if err := w.closeDB(); err != nil {
			return err
		}
		if err := os.Truncate(w.tmp, 0); err != nil {
			return fmt.Errorf("vulndb: %w", err)
		}
		if err := w.openTmp(ctx); err != nil {
			return err
		}
	}
	if _, err := w.conn.ExecContext(ctx, schemaSQL+"PRAGMA user_version = "+schemaVersionString+";"); err != nil {
		return fmt.Errorf("vulndb: create schema: %w", err)
	}
	return nil
}

// beginSource forgets which records source brought, so that records it no
// longer has are removed by publish unless another source still has them.
func (w *writer) beginSource(ctx context.Context, source string) error {
	_, err := w.conn.ExecContext(ctx, "DELETE FROM provides WHERE source = ?", source)
	if err != nil {
		return fmt.Errorf("vulndb: %w", err)
	}
	return nil
}

// put stores one record from source. raw is its JSON as read (nil: marshal
// a); a record whose modified time is unchanged is not rewritten.
func (w *writer) put(ctx context.Context, source string, a *Advisory, raw []byte) error {
	var rowid, modified int64
	err := w.stmts["find"].QueryRowContext(ctx, a.ID).Scan(&rowid, &modified)
	found := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("vulndb: %s: %w", a.ID, err)
	}
	mod := timeKey(a.Modified)
	// An unknown modified time says nothing about whether the record
	// changed, so such a record is always rewritten.
	if !found || mod == 0 || modified != mod {
		enc, body, err := w.encode(a, raw)
		if err != nil {
			return err
		}
		var withdrawn any
		if a.Withdrawn != nil {
			withdrawn = timeKey(*a.Withdrawn)
		}
		aliases := strings.Join(a.Aliases, " ")
		if found {
			if _, err := w.stmts["update"].ExecContext(ctx, mod, w.now.UnixNano(), withdrawn, aliases, enc, body, rowid); err != nil {
				return fmt.Errorf("vulndb: %s: %w", a.ID, err)
			}
			if _, err := w.stmts["delAffected"].ExecContext(ctx, rowid); err != nil {
				return fmt.Errorf("vulndb: %s: %w", a.ID, err)
			}
		} else {
			res, err := w.stmts["insert"].ExecContext(ctx, a.ID, mod, w.now.UnixNano(), withdrawn, aliases, enc, body)
			if err != nil {
				return fmt.Errorf("vulndb: %s: %w", a.ID, err)
			}
			if rowid, err = res.LastInsertId(); err != nil {
				return fmt.Errorf("vulndb: %s: %w", a.ID, err)
			}
			if _, err := w.stmts["unremove"].ExecContext(ctx, a.ID); err != nil {
				return fmt.Errorf("vulndb: %s: %w", a.ID, err)
			}
		}
		for _, af := range a.Affected {
			eco, name := af.Package.Ecosystem, af.Package.Name
			if eco == "" || name == "" {
				continue // a GIT-only entry: nothing to look up by
			}
			key, nameKey := EcosystemKey(eco), NameKey(eco, name)
			keys := []string{key}
			if base, _, ok := strings.Cut(key, ":"); ok {
				// Also under the ecosystem without its release, for
				// inventories that cannot name one ("Red Hat").
				keys = append(keys, base)
			}
			for _, k := range keys {
				if _, err := w.stmts["addAffected"].ExecContext(ctx, k, nameKey, rowid); err != nil {
					return fmt.Errorf("vulndb: %s: %w", a.ID, err)
				}
			}
		}
	}
	for _, af := range a.Affected {
		if eco := af.Package.Ecosystem; eco != "" {
			key := EcosystemKey(eco)
			if s, ok := w.seen[key]; !ok || s.source != source {
				w.seen[key] = ecoSeen{written: eco, source: source}
			}
		}
	}
	if _, err := w.stmts["addProvides"].ExecContext(ctx, source, rowid); err != nil {
		return fmt.Errorf("vulndb: %s: %w", a.ID, err)
	}
	w.pending++
	if w.pending >= batchSize {
		w.pending = 0
		if _, err := w.conn.ExecContext(ctx, "COMMIT; BEGIN"); err != nil {
			return fmt.Errorf("vulndb: %w", err)
		}
	}
	return nil
}

// encode returns the body to store: compact JSON, deflated when that saves
// more than a tenth.
func (w *writer) encode(a *Advisory, raw []byte) (int, []byte, error) {
	var js bytes.Buffer
	if raw == nil {
		b, err := json.Marshal(a)
		if err != nil {
			return 0, nil, fmt.Errorf("vulndb: %s: %w", a.ID, err)
		}
		js.Write(b)
	} else if err := json.Compact(&js, raw); err != nil {
		return 0, nil, fmt.Errorf("vulndb: %s: %w", a.ID, err)
	}
	w.zbuf.Reset()
	w.zw.Reset(&w.zbuf)
	if _, err := w.zw.Write(js.Bytes()); err != nil {
		return 0, nil, err
	}
	if err := w.zw.Close(); err != nil {
		return 0, nil, err
	}
	if w.zbuf.Len() < js.Len()*9/10 {
		return encDeflate, bytes.Clone(w.zbuf.Bytes()), nil
	}
	return encJSON, js.Bytes(), nil
}

// sourceMeta is one row of the meta table.
type sourceMeta struct {
	source, kind, location, etag, lastModified, version string
	records                                             int64
}

// setSource records that source was imported now.
func (w *writer) setSource(ctx context.Context, m sourceMeta) error {
	if m.kind == KindOSV {
		if err := w.conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM provides WHERE source = ?", m.source).Scan(&m.records); err != nil {
			return fmt.Errorf("vulndb: %w", err)
		}
	}
	now := w.now.UnixNano()
	_, err := w.conn.ExecContext(ctx, `INSERT OR REPLACE INTO meta
		(source, kind, location, etag, last_modified, version, imported_at, checked_at, records)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.source, m.kind, m.location, m.etag, m.lastModified, m.version, now, now, m.records)
	if err != nil {
		return fmt.Errorf("vulndb: %w", err)
	}
	return nil
}

// checkedSource records that source was found unchanged now.
func (w *writer) checkedSource(ctx context.Context, source string) error {
	if _, err := w.conn.ExecContext(ctx, "UPDATE meta SET checked_at = ? WHERE source = ?", w.now.UnixNano(), source); err != nil {
		return fmt.Errorf("vulndb: %w", err)
	}
	return nil
}

// validators returns where source was last fetched from and the HTTP
// validators of that answer, if any.
func (w *writer) validators(ctx context.Context, source string) (location, etag, lastModified string, err error) {
	err = w.conn.QueryRowContext(ctx, "SELECT location, etag, last_modified FROM meta WHERE source = ?", source).Scan(&location, &etag, &lastModified)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", "", nil
	}
	if err != nil {
		return "", "", "", fmt.Errorf("vulndb: %w", err)
	}
	return location, etag, lastModified, nil
}

// fileKind reads the schema version and table count of an SQLite file that
// is meant to be a drydock database, and refuses with ErrForeign one that is
// not SQLite at all or whose tables are another program's.
func fileKind(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, path string) (version, tables int, err error) {
	if err := q.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return 0, 0, &InputError{Path: path, Err: fmt.Errorf("%w: %v", ErrForeign, err)}
	}
	var ours int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(CASE WHEN name IN ('advisories', 'meta') THEN 1 END)
		FROM sqlite_master WHERE type = 'table'`).Scan(&tables, &ours); err != nil {
		return 0, 0, &InputError{Path: path, Err: fmt.Errorf("%w: %v", ErrForeign, err)}
	}
	if tables > 0 && ours < 2 {
		return 0, 0, &InputError{Path: path, Err: fmt.Errorf("%w: an SQLite database without drydock's tables", ErrForeign)}
	}
	return version, tables, nil
}

// sqliteMagic begins every SQLite database file.
const sqliteMagic = "SQLite format 3\x00"

// checkHeader refuses, with ErrForeign, what is not a regular file or not
// an SQLite file (an empty file is a new database), before SQLite is asked
// to open it; f is left at its start.
func checkHeader(f *os.File, path string) error {
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("vulndb: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return &InputError{Path: path, Err: fmt.Errorf("%w: not a regular file", ErrForeign)}
	}
	head := make([]byte, len(sqliteMagic))
	n, err := io.ReadFull(f, head)
	if n == 0 && (err == io.EOF) {
		return nil
	}
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("vulndb: %w", err)
	}
	if string(head[:n]) != sqliteMagic {
		return &InputError{Path: path, Err: fmt.Errorf("%w: not an SQLite file", ErrForeign)}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("vulndb: %w", err)
	}
	return nil
}
