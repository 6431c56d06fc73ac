-- The continuous audit (package fleet): one row per audit with its totals
-- for the severity-over-time chart and its report (gzip-compressed JSON,
-- kept for the last few audits only), the digests the last audit brought
-- up to date with facts read once from their SBOMs, and the
-- (digest, vulnerability) pairs it found, against which the next audit
-- tells what is new. Timestamps are Unix nanoseconds.

CREATE TABLE fleet_audits (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	started BIGINT NOT NULL,
	finished BIGINT NOT NULL,
	images INTEGER NOT NULL,
	critical INTEGER NOT NULL,
	high INTEGER NOT NULL,
	medium INTEGER NOT NULL,
	low INTEGER NOT NULL,
	unknown INTEGER NOT NULL,
	new_count INTEGER NOT NULL,
	db_built BIGINT NOT NULL DEFAULT 0,
	report BYTEA NOT NULL
);

-- digest is the running digest; sbom the digest its SBOM and findings are
-- stored under (a platform image's, when digest is an index).
CREATE TABLE fleet_images (
	digest TEXT PRIMARY KEY,
	sbom TEXT NOT NULL,
	created BIGINT NOT NULL DEFAULT 0,
	packages INTEGER NOT NULL DEFAULT 0,
	audit_id BIGINT NOT NULL
);

CREATE TABLE fleet_findings (
	digest TEXT NOT NULL,
	id TEXT NOT NULL,
	PRIMARY KEY (digest, id)
);
