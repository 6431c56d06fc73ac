-- The registry's metadata. Blob bytes live in the blob store; these tables
-- say which repository may serve which digest, and hold manifests whole
-- (they are small, at most 4 MiB) so a manifest GET is one row read.
-- Timestamps are Unix nanoseconds.

CREATE TABLE repositories (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	created_at BIGINT NOT NULL
);

-- A blob whose bytes are verified and in their content-addressed place.
CREATE TABLE blobs (
	digest TEXT PRIMARY KEY,
	size BIGINT NOT NULL,
	created_at BIGINT NOT NULL
);

-- Which repositories may serve a blob: pushed there or mounted there.
CREATE TABLE repository_blobs (
	repo_id INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
	digest TEXT NOT NULL REFERENCES blobs(digest) ON DELETE CASCADE,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (repo_id, digest)
);
CREATE INDEX repository_blobs_digest ON repository_blobs(digest);

CREATE TABLE manifests (
	repo_id INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
	digest TEXT NOT NULL,
	media_type TEXT NOT NULL,
	size BIGINT NOT NULL,
	content BLOB NOT NULL,
	subject TEXT NOT NULL DEFAULT '',
	artifact_type TEXT NOT NULL DEFAULT '',
	config_media_type TEXT NOT NULL DEFAULT '',
	pushed_at BIGINT NOT NULL,
	last_pulled_at BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (repo_id, digest)
);

-- The blobs (config and layers) a manifest needs: garbage collection keeps
-- these, and a blob still referenced is not deleted underneath a manifest.
CREATE TABLE manifest_blobs (
	repo_id INTEGER NOT NULL,
	digest TEXT NOT NULL,
	blob_digest TEXT NOT NULL,
	PRIMARY KEY (repo_id, digest, blob_digest),
	FOREIGN KEY (repo_id, digest) REFERENCES manifests(repo_id, digest) ON DELETE CASCADE
);
CREATE INDEX manifest_blobs_blob ON manifest_blobs(blob_digest);

-- A tag is only a pointer to a manifest digest in the same repository.
CREATE TABLE tags (
	repo_id INTEGER NOT NULL,
	name TEXT NOT NULL,
	digest TEXT NOT NULL,
	updated_at BIGINT NOT NULL,
	PRIMARY KEY (repo_id, name),
	FOREIGN KEY (repo_id, digest) REFERENCES manifests(repo_id, digest) ON DELETE CASCADE
);
CREATE INDEX tags_digest ON tags(repo_id, digest);

-- The referrers index: manifests whose subject field names another digest.
-- The subject need not exist yet (OCI 1.1 allows pushing referrers first).
CREATE TABLE referrers (
	repo_id INTEGER NOT NULL,
	subject TEXT NOT NULL,
	digest TEXT NOT NULL,
	media_type TEXT NOT NULL,
	size BIGINT NOT NULL,
	artifact_type TEXT NOT NULL DEFAULT '',
	annotations TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (repo_id, subject, digest),
	FOREIGN KEY (repo_id, digest) REFERENCES manifests(repo_id, digest) ON DELETE CASCADE
);

-- Upload sessions in progress. hash_state is the marshalled sha256 state
-- after `written` bytes, so a chunked upload is hashed as it is written even
-- across requests and replicas.
CREATE TABLE uploads (
	id TEXT PRIMARY KEY,
	repo_id INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
	written BIGINT NOT NULL DEFAULT 0,
	hash_state BLOB,
	started_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX uploads_updated ON uploads(updated_at);
