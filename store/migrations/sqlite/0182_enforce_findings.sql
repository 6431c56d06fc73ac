-- Every finding of each scanned image (before any policy suppression), as
-- gzip-compressed JSON, so the quarantine can judge an image again under a
-- changed policy or past an exception's expiry, and a rematch can keep the
-- findings of packages no changed record names. Timestamps are Unix
-- nanoseconds.
CREATE TABLE enforce_findings (
	digest TEXT PRIMARY KEY,
	findings BLOB NOT NULL,
	db_built BIGINT NOT NULL DEFAULT 0,
	updated_at BIGINT NOT NULL
);
