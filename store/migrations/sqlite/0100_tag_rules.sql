-- Tag immutability rules: in a namespace, a tag matching pattern (a glob,
-- "*" for every tag) may be created but never moved to another digest or
-- deleted.
CREATE TABLE immutable_tag_rules (
	namespace TEXT NOT NULL,
	pattern TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (namespace, pattern)
);

-- Retention rules: for a namespace ("team") or one repository ("team/app"),
-- keep the newest keep_last tags and/or the tags pushed or pulled within
-- keep_days days; 0 leaves that half of the rule off.
CREATE TABLE retention_rules (
	scope TEXT PRIMARY KEY,
	keep_last INTEGER NOT NULL DEFAULT 0,
	keep_days INTEGER NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL
);
