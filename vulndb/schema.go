package vulndb

// The schema. Every published file is written whole into a temporary file and
// renamed over the old one, never changed in place, so readers open it
// read-only and need no coordination with writers.
//
// advisories holds each record once, by id: its JSON (deflated when that
// pays), modified and withdrawn times and aliases. affected maps the lookup
// keys (see EcosystemKey, NameKey) to records; its primary key is the index
// a lookup walks, so it reads no unrelated records. provides says which
// source (a feed, a folder, a Build) brought each record, so re-importing a
// source removes what the source no longer has. meta holds one row per
// source: where it came from, its HTTP validators and when it was imported
// and last checked. ecosystems keeps each ecosystem as written with its
// record count, for Status.

const (
	schemaVersion       = 1
	schemaVersionString = "1"
)

const schemaSQL = `
CREATE TABLE advisories (
	rowid     INTEGER PRIMARY KEY,
	id        TEXT NOT NULL UNIQUE,
	modified  INTEGER NOT NULL, -- unix nanoseconds, as the record says; 0 unknown
	changed   INTEGER NOT NULL, -- unix nanoseconds, when this row was last written
	withdrawn INTEGER,          -- unix nanoseconds; NULL when not withdrawn
	aliases   TEXT NOT NULL,    -- space separated
	enc       INTEGER NOT NULL, -- 0: JSON, 1: deflated JSON
	body      BLOB NOT NULL
);
CREATE INDEX advisories_modified ON advisories(modified);
CREATE INDEX advisories_changed ON advisories(changed);

CREATE TABLE affected (
	eco  TEXT NOT NULL,    -- EcosystemKey
	name TEXT NOT NULL,    -- NameKey
	adv  INTEGER NOT NULL, -- advisories.rowid
	PRIMARY KEY (eco, name, adv)
) WITHOUT ROWID;
CREATE INDEX affected_adv ON affected(adv);

CREATE TABLE provides (
	source TEXT NOT NULL,
	adv    INTEGER NOT NULL,
	PRIMARY KEY (source, adv)
) WITHOUT ROWID;
CREATE INDEX provides_adv ON provides(adv);

CREATE TABLE ecosystems (
	eco     TEXT PRIMARY KEY, -- EcosystemKey
	written TEXT NOT NULL,    -- as the records write it ("Debian:12")
	source  TEXT NOT NULL,    -- the source that last brought records of it
	records INTEGER NOT NULL  -- records not withdrawn
) WITHOUT ROWID;

CREATE TABLE meta (
	source        TEXT PRIMARY KEY, -- "Debian", "kev", "epss", a path
	kind          TEXT NOT NULL,    -- "osv", "kev", "epss"
	location      TEXT NOT NULL,    -- URL or absolute path
	etag          TEXT NOT NULL DEFAULT '',
	last_modified TEXT NOT NULL DEFAULT '',
	version       TEXT NOT NULL DEFAULT '', -- KEV catalogVersion, EPSS model and date
	imported_at   INTEGER NOT NULL, -- unix nanoseconds
	checked_at    INTEGER NOT NULL, -- unix nanoseconds; a 304 counts as a check
	records       INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE kev (
	cve        TEXT PRIMARY KEY,
	date_added TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE epss (
	cve        TEXT PRIMARY KEY,
	score      REAL NOT NULL,
	percentile REAL NOT NULL
) WITHOUT ROWID;

-- ids that left the database, so ModifiedSince can name them too.
CREATE TABLE removed (
	id TEXT PRIMARY KEY,
	at INTEGER NOT NULL -- unix nanoseconds
) WITHOUT ROWID;
CREATE INDEX removed_at ON removed(at);

CREATE TABLE info (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;
`

// Kinds of source in the meta table.
const (
	KindOSV  = "osv"
	KindKEV  = "kev"
	KindEPSS = "epss"
)

// Source names of the enrichment feeds.
const (
	sourceKEV  = "kev"
	sourceEPSS = "epss"
)
