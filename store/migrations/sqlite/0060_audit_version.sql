-- Which drydock build recorded each decision.
ALTER TABLE audit_events ADD COLUMN version TEXT NOT NULL DEFAULT '';
