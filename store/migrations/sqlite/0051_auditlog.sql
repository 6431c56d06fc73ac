-- The audit trail: one row per decision. Queries filter by time and by
-- actor or repository, newest first.

CREATE TABLE audit_events (
	id INTEGER PRIMARY KEY,
	at BIGINT NOT NULL,
	actor TEXT NOT NULL DEFAULT '',
	action TEXT NOT NULL,
	repo TEXT NOT NULL DEFAULT '',
	target TEXT NOT NULL DEFAULT '',
	outcome TEXT NOT NULL,
	reason TEXT NOT NULL DEFAULT '',
	addr TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_at ON audit_events(at);
CREATE INDEX audit_events_actor_at ON audit_events(actor, at);
CREATE INDEX audit_events_repo_at ON audit_events(repo, at);
