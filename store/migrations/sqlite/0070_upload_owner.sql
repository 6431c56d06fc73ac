-- Who opened each upload session, so that one account's open uploads
-- (sessions and bytes) can be capped.
ALTER TABLE uploads ADD COLUMN owner TEXT NOT NULL DEFAULT '';
CREATE INDEX uploads_owner ON uploads(owner);
