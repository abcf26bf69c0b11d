-- Connections: a named, reusable configuration of a connector. Secret
-- settings are not in config: each is a sealed envelope (internal/secret)
-- in connection_secrets, one row per setting, so that key rotation can
-- replace envelopes one by one.

-- +goose Up
CREATE TABLE connections (
    id         TEXT PRIMARY KEY,
    workspace  TEXT NOT NULL,
    name       TEXT NOT NULL,
    connector  TEXT NOT NULL,
    config     TEXT NOT NULL,
    labels     TEXT NOT NULL DEFAULT '[]',
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL,
    UNIQUE (workspace, name)
);

CREATE TABLE connection_secrets (
    connection_id TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    field         TEXT NOT NULL,
    envelope      TEXT NOT NULL,
    PRIMARY KEY (connection_id, field)
);

-- +goose Down
DROP TABLE connection_secrets;
DROP TABLE connections;
