-- Protected namespaces: a tag may move only to an image carrying a passing
-- verdict attestation signed by one of the namespace's trusted CI keys;
-- require_signature also refuses pulls of images no trusted key signed.
-- Trusted keys are PEM public keys (cosign.pub), named within their
-- namespace; hint is the key's SHA-256 fingerprint, as bundles name it.
-- Timestamps are Unix nanoseconds.

CREATE TABLE trust_namespaces (
	namespace TEXT PRIMARY KEY REFERENCES auth_namespaces(name) ON DELETE CASCADE,
	protected BOOLEAN NOT NULL DEFAULT FALSE,
	require_signature BOOLEAN NOT NULL DEFAULT FALSE,
	updated_at BIGINT NOT NULL,
	updated_by TEXT NOT NULL DEFAULT ''
);

CREATE TABLE trust_keys (
	namespace TEXT NOT NULL REFERENCES auth_namespaces(name) ON DELETE CASCADE,
	name TEXT NOT NULL,
	public_key TEXT NOT NULL,
	hint TEXT NOT NULL,
	added_at BIGINT NOT NULL,
	added_by TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (namespace, name)
);
