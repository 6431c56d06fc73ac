-- Enforcement: which namespaces quarantine what fails their policy, the
-- policy each one judges by (the YAML as given, with its effective digest),
-- the robots allowed past quarantine for forensics, and what the rematch on
-- a database update needs: the package names each stored SBOM holds, as the
-- matcher looks them up, and when the last rematch ran. Timestamps are Unix
-- nanoseconds.

CREATE TABLE enforce_namespaces (
	namespace TEXT PRIMARY KEY REFERENCES auth_namespaces(name) ON DELETE CASCADE,
	enforce BOOLEAN NOT NULL DEFAULT FALSE,
	policy TEXT NOT NULL DEFAULT '',
	policy_digest TEXT NOT NULL DEFAULT '',
	updated_at BIGINT NOT NULL,
	updated_by TEXT NOT NULL DEFAULT ''
);

CREATE TABLE enforce_bypass (
	robot TEXT PRIMARY KEY REFERENCES auth_robots(name) ON DELETE CASCADE,
	granted_by TEXT NOT NULL DEFAULT '',
	granted_at BIGINT NOT NULL
);

-- One row per (lookup ecosystem, lookup name, manifest digest): the keys
-- vulndb's EcosystemKey and NameKey give, so a changed record finds the
-- images it may affect through the primary key.
CREATE TABLE enforce_packages (
	eco TEXT NOT NULL,
	name TEXT NOT NULL,
	digest TEXT NOT NULL,
	PRIMARY KEY (eco, name, digest)
);
CREATE INDEX enforce_packages_digest ON enforce_packages(digest);

-- The vulnerability IDs each stored result's findings carry, so a record
-- that changed or left the database finds the images it was found in.
CREATE TABLE enforce_finding_ids (
	id TEXT NOT NULL,
	digest TEXT NOT NULL,
	PRIMARY KEY (id, digest)
);
CREATE INDEX enforce_finding_ids_digest ON enforce_finding_ids(digest);

-- Which stored SBOMs are in enforce_packages.
CREATE TABLE enforce_indexed (
	digest TEXT PRIMARY KEY,
	packages INTEGER NOT NULL,
	indexed_at BIGINT NOT NULL
);

-- When the last rematch against a vulnerability database started.
CREATE TABLE enforce_rematch (
	source TEXT PRIMARY KEY,
	since BIGINT NOT NULL
);
