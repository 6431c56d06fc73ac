// Package vulndb owns drydock's local vulnerability database: OSV records of
// every ecosystem drydock catalogs, with CISA KEV and EPSS enrichment, in one
// SQLite file. Import reads OSV records from a folder or an OSV "all.zip",
// Update downloads the OSV bulk export with conditional requests; both build a
// new file beside the old one and rename it into place, so a failed or
// interrupted update leaves the previous database whole. Open serves the
// matcher's lookups by ecosystem and package name, and says how old the data
// is and which records changed since a given time.
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
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// DB is an open, read-only vulnerability database. It is safe for
// concurrent use.
type DB struct {
	path    string
	sql     *sql.DB
	opts    *options
	checked time.Time // the least recently checked OSV source's check time
	built   time.Time
}

// Open opens the database at path for reading. A missing file is an
// *InputError wrapping ErrNoDatabase; a drydock database of another schema
// wraps ErrSchema, and a file that is no drydock database at all
// ErrForeign. Options read: WithMaxAge, WithClock.
func Open(ctx context.Context, path string, opts ...Option) (*DB, error) {
	o, err := newOptions(opts)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &InputError{Path: path, Err: ErrNoDatabase}
	}
	if err != nil {
		return nil, fmt.Errorf("vulndb: %w", err)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("vulndb: %w", err)
	}
	err = checkHeader(f, path)
	f.Close()
	if err != nil {
		return nil, err
	}
	if fi.Size() == 0 {
		return nil, &InputError{Path: path, Err: fmt.Errorf("empty file: %w", ErrSchema)}
	}
	sdb, err := sql.Open("sqlite", sqliteURI(path, "ro")+"&_pragma=query_only(1)&_pragma=busy_timeout(5000)")
	if err != nil {
		return nil, fmt.Errorf("vulndb: open %s: %w", path, err)
	}
	db := &DB{path: path, sql: sdb, opts: o}
	if err := db.load(ctx); err != nil {
		sdb.Close()
		return nil, err
	}
	return db, nil
}

// sqliteURI is path as a SQLite URI with the given mode ("ro", "rwc"), so
// that any character in the path is escaped rather than read as a parameter.
func sqliteURI(path, mode string) string {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(path)}).String() + "?mode=" + mode
}

// load checks the schema version and reads the times Age and Stale need.
func (db *DB) load(ctx context.Context) error {
	v, _, err := fileKind(ctx, db.sql, db.path)
	if err != nil {
		return err
	}
	if v != schemaVersion {
		return &InputError{Path: db.path, Err: fmt.Errorf("schema version %d: %w", v, ErrSchema)}
	}
	var built string
	if err := db.sql.QueryRowContext(ctx, "SELECT value FROM info WHERE key = 'built'").Scan(&built); err != nil {
		return &InputError{Path: db.path, Err: fmt.Errorf("%w: %v", ErrSchema, err)}
	}
	ns, err := strconv.ParseInt(built, 10, 64)
	if err != nil {
		return &InputError{Path: db.path, Err: fmt.Errorf("%w: built time %q", ErrSchema, built)}
	}
	db.built = time.Unix(0, ns)
	var checked sql.NullInt64
	if err := db.sql.QueryRowContext(ctx, "SELECT MIN(checked_at) FROM meta WHERE kind = ?", KindOSV).Scan(&checked); err != nil {
		return fmt.Errorf("vulndb: %s: %w", db.path, err)
	}
	db.checked = db.built
	if checked.Valid {
		db.checked = time.Unix(0, checked.Int64)
	}
	return nil
}

// Close closes the database.
func (db *DB) Close() error { return db.sql.Close() }

// Path is the file the database was opened from.
func (db *DB) Path() string { return db.path }

// lookupSQL walks the affected primary key for one package and reads only
// the records it points to.
const lookupSQL = `
	SELECT a.id, a.enc, a.body FROM affected f JOIN advisories a ON a.rowid = f.adv
	WHERE f.eco = ? AND f.name = ? AND a.withdrawn IS NULL
	ORDER BY a.id`

// Advisories returns the records that list the package (ecosystem, name)
// among their affected packages, ordered by id, withdrawn records excluded.
// The ecosystem is written as the inventory writes it ("Debian:12",
// "Alpine:v3.19", "Go"); EcosystemKey and NameKey say which spellings are
// the same, and an ecosystem without a release ("Red Hat") finds the records
// of all its releases. Use Advisory.AffectedFor to pick the matching
// affected entries.
func (db *DB) Advisories(ctx context.Context, ecosystem, name string) ([]*Advisory, error) {
	rows, err := db.sql.QueryContext(ctx, lookupSQL, EcosystemKey(ecosystem), NameKey(ecosystem, name))
	if err != nil {
		return nil, fmt.Errorf("vulndb: advisories for %s/%s: %w", ecosystem, name, err)
	}
	defer rows.Close()
	var out []*Advisory
	for rows.Next() {
		var id string
		var enc int
		var body []byte
		if err := rows.Scan(&id, &enc, &body); err != nil {
			return nil, fmt.Errorf("vulndb: advisories for %s/%s: %w", ecosystem, name, err)
		}
		a, err := decodeBody(enc, body)
		if err != nil {
			return nil, &InputError{Path: db.path, Entry: id, Err: err}
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("vulndb: advisories for %s/%s: %w", ecosystem, name, err)
	}
	return out, nil
}

// Advisory returns the record with the given id, withdrawn or not; an
// unknown id wraps ErrUnknownID.
func (db *DB) Advisory(ctx context.Context, id string) (*Advisory, error) {
	var enc int
	var body []byte
	err := db.sql.QueryRowContext(ctx, "SELECT enc, body FROM advisories WHERE id = ?", id).Scan(&enc, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %s", ErrUnknownID, id)
	}
	if err != nil {
		return nil, fmt.Errorf("vulndb: advisory %s: %w", id, err)
	}
	a, err := decodeBody(enc, body)
	if err != nil {
		return nil, &InputError{Path: db.path, Entry: id, Err: err}
	}
	return a, nil
}

// KEV reports whether CISA lists the CVE id as known exploited. It is false
// for every id when no KEV catalog was loaded.
func (db *DB) KEV(ctx context.Context, id string) (bool, error) {
	var one int
	err := db.sql.QueryRowContext(ctx, "SELECT 1 FROM kev WHERE cve = ?", id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("vulndb: kev %s: %w", id, err)
	}
	return true, nil
}

// EPSS returns the EPSS score (0–1) of the CVE id; ok is false when the id
// has none or no EPSS file was loaded.
func (db *DB) EPSS(ctx context.Context, id string) (score float64, ok bool, err error) {
	err = db.sql.QueryRowContext(ctx, "SELECT score FROM epss WHERE cve = ?", id).Scan(&score)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("vulndb: epss %s: %w", id, err)
	}
	return score, true, nil
}

// ModifiedSince returns, sorted, the ids of records that changed after t:
// those whose OSV modified time is after t and those this database wrote
// after t (a feed can publish a record late, with an older modified time).
// Withdrawn records are included, and so are the ids of records an update
// removed after t (Advisory then reports ErrUnknownID for them): both are
// changes a rematch must see. A record whose modified time is unknown
// (golang/vulndb writes 0001-01-01 for all of its records) is always
// included: nothing says it did not change.
func (db *DB) ModifiedSince(ctx context.Context, t time.Time) ([]string, error) {
	ns := t.UnixNano()
	rows, err := db.sql.QueryContext(ctx, `
		SELECT id FROM advisories WHERE modified > ?1 OR modified = 0
		UNION SELECT id FROM advisories WHERE changed > ?1
		UNION SELECT id FROM removed WHERE at > ?1
		ORDER BY 1`, ns)
	if err != nil {
		return nil, fmt.Errorf("vulndb: modified since %s: %w", t.Format(time.RFC3339), err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("vulndb: modified since: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// Built is when the database file was written; with Checked it names the
// data a stored verdict was matched against.
func (db *DB) Built() time.Time { return db.built }

// Checked is when the data was last known current: the oldest of the OSV
// sources' last successful checks (a 304 Not Modified counts), or when the
// file was built if it has no OSV source.
func (db *DB) Checked() time.Time { return db.checked }

// Age is how long ago Checked was.
func (db *DB) Age() time.Duration { return db.opts.now().Sub(db.checked) }

// Stale reports whether Age is over the maximum age (WithMaxAge, default
// DefaultMaxAge): a scan should warn that findings may be missing.
func (db *DB) Stale() bool { return db.Age() > db.opts.maxAge }

// MaxAge is the age past which Stale reports true.
func (db *DB) MaxAge() time.Duration { return db.opts.maxAge }

// Record bodies: deflated JSON unless deflating saves under a tenth.
const (
	encJSON    = 0
	encDeflate = 1
)

var flateReaders sync.Pool

func decodeBody(enc int, body []byte) (*Advisory, error) {
	data := body
	switch enc {
	case encJSON:
	case encDeflate:
		var r io.ReadCloser
		if pooled, ok := flateReaders.Get().(io.ReadCloser); ok {
			pooled.(flate.Resetter).Reset(bytes.NewReader(body), nil)
			r = pooled
		} else {
			r = flate.NewReader(bytes.NewReader(body))
		}
		var err error
		data, err = io.ReadAll(r)
		flateReaders.Put(r)
		if err != nil {
			return nil, fmt.Errorf("stored record: %w", err)
		}
	default:
		return nil, fmt.Errorf("stored record: unknown encoding %d", enc)
	}
	a := new(Advisory)
	if err := json.Unmarshal(data, a); err != nil {
		return nil, fmt.Errorf("stored record: %w", err)
	}
	return a, nil
}
