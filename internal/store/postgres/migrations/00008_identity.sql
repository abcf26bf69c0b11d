-- People and access: users, workspaces and their members, browser
-- sessions, installation settings (e.g. the random signing key), and who
-- owns each API token and flow. Secrets are hashes: passwords argon2id,
-- session and reset tokens sha256. Emails are unique without regard to
-- case (lower()).

-- +goose Up
CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    email          TEXT NOT NULL,
    name           TEXT NOT NULL DEFAULT '',
    admin          BOOLEAN NOT NULL DEFAULT FALSE,
    active         BOOLEAN NOT NULL DEFAULT TRUE,
    password_hash  TEXT NOT NULL DEFAULT '',
    issuer         TEXT NOT NULL DEFAULT '',
    subject        TEXT NOT NULL DEFAULT '',
    failed_logins  INTEGER NOT NULL DEFAULT 0,
    locked_until   TIMESTAMPTZ,
    reset_hash     BYTEA,
    reset_expires  TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    deactivated_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX users_email ON users (lower(email));
CREATE UNIQUE INDEX users_subject ON users (issuer, subject) WHERE subject <> '';
CREATE INDEX users_reset ON users (reset_hash) WHERE reset_hash IS NOT NULL;

CREATE TABLE workspaces (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
-- Every installation has had the default workspace, implicitly.
INSERT INTO workspaces (id, name, created_at) VALUES ('default', 'Default', now());

CREATE TABLE members (
    workspace  TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT NOT NULL,
    source     TEXT NOT NULL DEFAULT 'manual',
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (workspace, user_id)
);
CREATE INDEX members_user ON members (user_id);

CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    hash       BYTEA NOT NULL UNIQUE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    source     TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    last_seen  TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value BYTEA NOT NULL
);

-- Tokens and flows made before people existed belong to nobody ('').
ALTER TABLE tokens ADD COLUMN user_id TEXT NOT NULL DEFAULT '';
ALTER TABLE tokens ADD COLUMN revoked_at TIMESTAMPTZ;
CREATE INDEX tokens_user ON tokens (user_id);
ALTER TABLE flows ADD COLUMN owner TEXT NOT NULL DEFAULT '';
CREATE INDEX flows_owner ON flows (owner) WHERE owner <> '';

-- +goose Down
DROP INDEX flows_owner;
ALTER TABLE flows DROP COLUMN owner;
DROP INDEX tokens_user;
ALTER TABLE tokens DROP COLUMN revoked_at;
ALTER TABLE tokens DROP COLUMN user_id;
DROP TABLE settings;
DROP TABLE sessions;
DROP TABLE members;
DROP TABLE workspaces;
DROP TABLE users;
