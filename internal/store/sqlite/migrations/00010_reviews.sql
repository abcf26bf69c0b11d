-- Review and publish: a change to a flow that must be reviewed waits
-- here, with its document, until a platform admin approves it (then it
-- is saved as the flow's next version) or asks for changes.

-- +goose Up
CREATE TABLE reviews (
    id           TEXT PRIMARY KEY,
    workspace    TEXT NOT NULL,
    flow         TEXT NOT NULL,
    file         TEXT NOT NULL DEFAULT '',
    document     TEXT NOT NULL,
    base_version INTEGER NOT NULL DEFAULT 0,
    risk         INTEGER NOT NULL DEFAULT 0,
    reasons      TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL DEFAULT 'submitted',
    submitted_by TEXT NOT NULL DEFAULT '',
    comment      TEXT NOT NULL DEFAULT '',
    reviewed_by  TEXT NOT NULL DEFAULT '',
    version      INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    reviewed_at  INTEGER
);
CREATE INDEX reviews_workspace ON reviews (workspace, created_at);

-- +goose Down
DROP TABLE reviews;
