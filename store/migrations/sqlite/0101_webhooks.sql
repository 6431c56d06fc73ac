-- Webhook endpoints per namespace, and the outbox of deliveries to them: a
-- row is written when an event happens and updated by the sender until it
-- is delivered or given up, so deliveries survive a restart.
CREATE TABLE webhooks (
	id INTEGER PRIMARY KEY,
	namespace TEXT NOT NULL,
	url TEXT NOT NULL,
	secret TEXT NOT NULL,
	events TEXT NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX webhooks_namespace ON webhooks(namespace);

CREATE TABLE webhook_deliveries (
	id INTEGER PRIMARY KEY,
	webhook_id INTEGER NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
	event_id TEXT NOT NULL,
	event_type TEXT NOT NULL,
	body BLOB NOT NULL,
	state TEXT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	next_attempt_at BIGINT NOT NULL,
	last_status INTEGER NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(state, next_attempt_at);
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries(webhook_id, id);
