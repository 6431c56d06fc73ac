-- Which repositories hold a manifest digest: the gate and the rematch ask
-- it by digest alone, which the (repo_id, digest) key cannot answer
-- without a scan of every manifest.
CREATE INDEX IF NOT EXISTS manifests_digest ON manifests(digest);
