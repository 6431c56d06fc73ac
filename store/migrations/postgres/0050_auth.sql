-- Accounts, namespaces and memberships for the registry's access control,
-- the token signing key and revoked token ids. Timestamps are Unix
-- nanoseconds; 0 means "never" for expires_at.

CREATE TABLE auth_users (
	name TEXT PRIMARY KEY,
	password_hash BYTEA NOT NULL,
	admin BOOLEAN NOT NULL DEFAULT FALSE,
	disabled BOOLEAN NOT NULL DEFAULT FALSE,
	-- bumped to revoke every token issued so far
	token_gen BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL
);

CREATE TABLE auth_namespaces (
	name TEXT PRIMARY KEY,
	public BOOLEAN NOT NULL DEFAULT FALSE,
	created_at BIGINT NOT NULL
);

CREATE TABLE auth_members (
	namespace TEXT NOT NULL REFERENCES auth_namespaces(name) ON DELETE CASCADE,
	username TEXT NOT NULL REFERENCES auth_users(name) ON DELETE CASCADE,
	role TEXT NOT NULL CHECK (role IN ('reader', 'writer', 'maintainer', 'admin')),
	PRIMARY KEY (namespace, username)
);
CREATE INDEX auth_members_username ON auth_members(username);

CREATE TABLE auth_robots (
	name TEXT PRIMARY KEY,
	namespace TEXT NOT NULL REFERENCES auth_namespaces(name) ON DELETE CASCADE,
	role TEXT NOT NULL CHECK (role IN ('reader', 'writer', 'maintainer', 'admin')),
	secret_hash BYTEA NOT NULL,
	expires_at BIGINT NOT NULL DEFAULT 0,
	disabled BOOLEAN NOT NULL DEFAULT FALSE,
	token_gen BIGINT NOT NULL DEFAULT 0,
	created_by TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL
);
CREATE INDEX auth_robots_namespace ON auth_robots(namespace);

-- One signing key; the CHECK keeps a second replica from adding its own.
CREATE TABLE auth_signing_keys (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	kid TEXT NOT NULL,
	private_key TEXT NOT NULL,
	created_at BIGINT NOT NULL
);

CREATE TABLE auth_revoked_tokens (
	jti TEXT PRIMARY KEY,
	expires_at BIGINT NOT NULL
);
CREATE INDEX auth_revoked_tokens_expires ON auth_revoked_tokens(expires_at);
