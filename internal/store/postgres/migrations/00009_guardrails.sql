-- Guardrails: builders' requests for connectors IT has not allowed, and
-- the notifications that tell people of answers and of flows paused by a
-- guardrail. The catalogue and the policies are settings.

-- +goose Up
CREATE TABLE connector_requests (
    id           TEXT PRIMARY KEY,
    workspace    TEXT NOT NULL,
    connector    TEXT NOT NULL,
    reason       TEXT NOT NULL DEFAULT '',
    requested_by TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL DEFAULT 'pending',
    answer       TEXT NOT NULL DEFAULT '',
    answered_by  TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    answered_at  TIMESTAMPTZ
);
CREATE INDEX connector_requests_workspace ON connector_requests (workspace, created_at);

CREATE TABLE notifications (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    workspace  TEXT NOT NULL DEFAULT '',
    kind       TEXT NOT NULL,
    message    TEXT NOT NULL,
    link       TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    read_at    TIMESTAMPTZ
);
CREATE INDEX notifications_user ON notifications (user_id, created_at);

-- +goose Down
DROP TABLE notifications;
DROP TABLE connector_requests;
