-- Scan results keyed by manifest digest. An SBOM (the inventory, enough to
-- match again without re-cataloging) belongs to the digest alone; a verdict
-- belongs to the digest judged under one namespace's policy ('' for the
-- default policy), since two namespaces may hold the same image under
-- different policies. JSON columns hold reasons and blocking findings.

CREATE TABLE artifact_sboms (
	digest TEXT PRIMARY KEY,
	inventory BYTEA NOT NULL,
	packages INTEGER NOT NULL,
	created_at BIGINT NOT NULL
);

-- One row per (ecosystem, package name) an SBOM holds, so a rematch after a
-- database update reads only the SBOMs naming a changed package.
CREATE TABLE artifact_sbom_packages (
	digest TEXT NOT NULL REFERENCES artifact_sboms(digest) ON DELETE CASCADE,
	ecosystem TEXT NOT NULL,
	name TEXT NOT NULL,
	PRIMARY KEY (digest, ecosystem, name)
);
CREATE INDEX artifact_sbom_packages_name ON artifact_sbom_packages(ecosystem, name);

CREATE TABLE artifact_verdicts (
	namespace TEXT NOT NULL,
	digest TEXT NOT NULL,
	status TEXT NOT NULL,
	reasons TEXT NOT NULL DEFAULT '[]',
	blocking TEXT NOT NULL DEFAULT '[]',
	fail_on TEXT NOT NULL DEFAULT '',
	policy_name TEXT NOT NULL DEFAULT '',
	policy_digest TEXT NOT NULL DEFAULT '',
	db_version TEXT NOT NULL DEFAULT '',
	db_checked BIGINT NOT NULL DEFAULT 0,
	critical INTEGER NOT NULL DEFAULT 0,
	high INTEGER NOT NULL DEFAULT 0,
	medium INTEGER NOT NULL DEFAULT 0,
	low INTEGER NOT NULL DEFAULT 0,
	unknown INTEGER NOT NULL DEFAULT 0,
	error TEXT NOT NULL DEFAULT '',
	scanned_at BIGINT NOT NULL DEFAULT 0,
	updated_at BIGINT NOT NULL,
	PRIMARY KEY (namespace, digest)
);
CREATE INDEX artifact_verdicts_digest ON artifact_verdicts(digest);
CREATE INDEX artifact_verdicts_status ON artifact_verdicts(status, updated_at);
