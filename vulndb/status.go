package vulndb

import (
	"context"
	"fmt"
	"os"
	"time"
)

// Status describes a database: what it holds, where from, and how old.
type Status struct {
	Path          string
	SchemaVersion int
	// Size is the file size in bytes.
	Size int64
	// Built is when the file was written; Checked when its data was last
	// known current (see DB.Checked).
	Built, Checked time.Time
	Age, MaxAge    time.Duration
	Stale          bool
	// Records counts stored records; Withdrawn those of them withdrawn.
	Records, Withdrawn int
	// Ecosystems are sorted by name.
	Ecosystems []EcosystemStatus
	// Sources are sorted by kind, then name.
	Sources []SourceStatus
}

// EcosystemStatus is one ecosystem as the records write it ("Debian:12").
type EcosystemStatus struct {
	Name string
	// Records counts records, not withdrawn, affecting a package in it.
	Records int
	// Source is the source that last brought records of it.
	Source string
}

// SourceStatus is one imported source: an OSV feed or folder, KEV or EPSS.
type SourceStatus struct {
	Name, Kind string
	// Location is the URL or absolute path it was read from.
	Location           string
	ETag, LastModified string
	// Version is KEV's catalogVersion or EPSS's model and score date.
	Version           string
	Imported, Checked time.Time
	Records           int
}

// Status reports what the database holds.
func (db *DB) Status(ctx context.Context) (*Status, error) {
	st := &Status{Path: db.path, SchemaVersion: schemaVersion, Built: db.built, Checked: db.checked,
		Age: db.Age(), MaxAge: db.opts.maxAge, Stale: db.Stale()}
	if fi, err := os.Stat(db.path); err == nil {
		st.Size = fi.Size()
	}
	if err := db.sql.QueryRowContext(ctx,
		"SELECT COUNT(*), COUNT(withdrawn) FROM advisories").Scan(&st.Records, &st.Withdrawn); err != nil {
		return nil, fmt.Errorf("vulndb: status: %w", err)
	}
	rows, err := db.sql.QueryContext(ctx, "SELECT written, records, source FROM ecosystems ORDER BY written")
	if err != nil {
		return nil, fmt.Errorf("vulndb: status: %w", err)
	}
	for rows.Next() {
		var e EcosystemStatus
		if err := rows.Scan(&e.Name, &e.Records, &e.Source); err != nil {
			rows.Close()
			return nil, fmt.Errorf("vulndb: status: %w", err)
		}
		st.Ecosystems = append(st.Ecosystems, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("vulndb: status: %w", err)
	}
	rows, err = db.sql.QueryContext(ctx, `SELECT source, kind, location, etag, last_modified, version,
		imported_at, checked_at, records FROM meta ORDER BY kind DESC, source`)
	if err != nil {
		return nil, fmt.Errorf("vulndb: status: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var s SourceStatus
		var imported, checked int64
		if err := rows.Scan(&s.Name, &s.Kind, &s.Location, &s.ETag, &s.LastModified, &s.Version,
			&imported, &checked, &s.Records); err != nil {
			return nil, fmt.Errorf("vulndb: status: %w", err)
		}
		s.Imported, s.Checked = time.Unix(0, imported), time.Unix(0, checked)
		st.Sources = append(st.Sources, s)
	}
	return st, rows.Err()
}
