-- Event triggers: the cursor of every polled flow, and the dead-letter
-- list of messages whose runs kept failing.

-- +goose Up
CREATE TABLE event_cursors (
	flow_id    TEXT PRIMARY KEY REFERENCES flows(id) ON DELETE CASCADE,
	cursor     TEXT NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE dead_letters (
	id         TEXT PRIMARY KEY,
	workspace  TEXT NOT NULL,
	flow_id    TEXT NOT NULL,
	run_id     TEXT NOT NULL,
	source     TEXT NOT NULL,
	message_id TEXT NOT NULL,
	record     JSONB NOT NULL,
	error      TEXT NOT NULL,
	attempts   INTEGER NOT NULL,
	created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX dead_letters_by_flow ON dead_letters (flow_id, created_at);

-- +goose Down
DROP TABLE dead_letters;
DROP TABLE event_cursors;
