-- The audit log: every change as an event, chained by hashes (each
-- event's hash covers the previous one's), with the head of the chain in
-- audit_head (appends read and move it in one transaction) and written
-- down in audit_checkpoints so that removing the newest events shows.
-- state_before and state_after keep the exact text that was hashed (not
-- jsonb, which would reorder it).

-- +goose Up
CREATE TABLE audit_events (
    seq          BIGINT PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    at           TIMESTAMPTZ NOT NULL,
    workspace    TEXT NOT NULL,
    actor_kind   TEXT NOT NULL,
    actor_id     TEXT NOT NULL,
    actor_name   TEXT NOT NULL,
    source       TEXT NOT NULL,
    action       TEXT NOT NULL,
    target_kind  TEXT NOT NULL,
    target_id    TEXT NOT NULL,
    target_name  TEXT NOT NULL,
    state_before TEXT NOT NULL,
    state_after  TEXT NOT NULL,
    key_id       TEXT NOT NULL,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
);
CREATE INDEX audit_events_at ON audit_events (at);

CREATE TABLE audit_head (
    id   SMALLINT PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

CREATE TABLE audit_checkpoints (
    seq  BIGINT PRIMARY KEY,
    hash TEXT NOT NULL,
    at   TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE audit_checkpoints;
DROP TABLE audit_head;
DROP TABLE audit_events;
