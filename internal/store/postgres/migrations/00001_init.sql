-- Bistro's own tables. River's tables come from River's migrations.
-- Times are timestamptz (microseconds, UTC); NULL when not set.

-- +goose Up
CREATE TABLE flows (
    id         TEXT PRIMARY KEY,
    workspace  TEXT NOT NULL,
    name       TEXT NOT NULL,
    enabled    BOOLEAN NOT NULL DEFAULT TRUE,
    version    INTEGER NOT NULL,
    webhook_id TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (workspace, name)
);

CREATE TABLE flow_versions (
    flow_id      TEXT NOT NULL REFERENCES flows (id) ON DELETE CASCADE,
    version      INTEGER NOT NULL,
    document     BYTEA NOT NULL,
    format       TEXT NOT NULL,
    trigger_kind TEXT NOT NULL,
    hash         TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (flow_id, version)
);

-- Runs keep the flow's id and name but no foreign key: deleting a flow
-- leaves its history readable.
CREATE TABLE runs (
    id           TEXT PRIMARY KEY,
    workspace    TEXT NOT NULL,
    flow_id      TEXT NOT NULL,
    flow_name    TEXT NOT NULL,
    flow_version INTEGER NOT NULL,
    trigger_kind TEXT NOT NULL,
    trigger_data JSONB,
    input        JSONB,
    status       TEXT NOT NULL,
    dedupe_key   TEXT NOT NULL DEFAULT '',
    output       JSONB,
    response     JSONB,
    error        JSONB,
    attempt      INTEGER NOT NULL DEFAULT 0,
    parent_id    TEXT NOT NULL DEFAULT '',
    from_step    TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    started_at   TIMESTAMPTZ,
    ended_at     TIMESTAMPTZ
);
CREATE UNIQUE INDEX runs_dedupe ON runs (flow_id, dedupe_key) WHERE dedupe_key <> '';
CREATE INDEX runs_workspace ON runs (workspace, id);
CREATE INDEX runs_flow ON runs (flow_id, id);
CREATE INDEX runs_status ON runs (status, id);
CREATE INDEX runs_ended ON runs (ended_at) WHERE ended_at IS NOT NULL;

CREATE TABLE run_steps (
    run_id     TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    step_id    TEXT NOT NULL,
    position   INTEGER NOT NULL,
    status     TEXT NOT NULL,
    in_count   INTEGER NOT NULL DEFAULT 0,
    out_count  INTEGER NOT NULL DEFAULT 0,
    output     JSONB,
    error      TEXT NOT NULL DEFAULT '',
    attempts   INTEGER NOT NULL DEFAULT 0,
    started_at TIMESTAMPTZ,
    ended_at   TIMESTAMPTZ,
    PRIMARY KEY (run_id, step_id)
);

CREATE TABLE tokens (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    hash       BYTEA NOT NULL UNIQUE,
    role       TEXT NOT NULL,
    workspace  TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ
);

-- +goose Down
DROP TABLE tokens;
DROP TABLE run_steps;
DROP TABLE runs;
DROP TABLE flow_versions;
DROP TABLE flows;
