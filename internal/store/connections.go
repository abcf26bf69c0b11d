package store

import (
	"context"
	"encoding/json"
	"time"
)

// ConnectionStore keeps connections: a named, reusable configuration of a
// connector. The store never sees a secret in clear: the caller seals each
// secret setting (internal/secret) before PutConnection and opens it after
// reading, and the store keeps the envelopes as they are.
type ConnectionStore interface {
	// PutConnection creates the connection when no connection has its ID,
	// or updates it. A new connection whose name is taken in its workspace
	// is ErrConflict. Secrets not named in Secrets or Clear are kept.
	PutConnection(ctx context.Context, in PutConnection) (Connection, error)
	// GetConnection finds a connection by name in a workspace.
	GetConnection(ctx context.Context, workspace, name string) (Connection, error)
	// ListConnections lists a workspace's connections by name.
	ListConnections(ctx context.Context, workspace string) ([]Connection, error)
	// DeleteConnection deletes a connection and its secrets.
	DeleteConnection(ctx context.Context, workspace, name string) error
	// ListSealed returns every stored secret envelope, of every workspace,
	// for key rotation.
	ListSealed(ctx context.Context) ([]Sealed, error)
	// Reseal replaces envelopes in one transaction. An envelope that is no
	// longer the one read (changed or deleted since) is left alone; the
	// count says how many were replaced.
	Reseal(ctx context.Context, changes []Reseal) (int, error)
}

// PutConnection is a connection to save.
type PutConnection struct {
	ID        string // set by the caller (a uuid), because it is part of every secret's binding
	Workspace string
	Name      string // unique in the workspace
	Connector string
	Config    json.RawMessage // the settings that are not secret, a JSON object
	// Secrets are envelopes to set or replace, by the setting's path
	// (nested settings joined with dots, e.g. "auth.password").
	Secrets map[string][]byte
	// Clear lists the paths of secrets to remove.
	Clear  []string
	Labels []string // e.g. the classes of data the connection reaches
	By     string   // who saved it (token or user id)
}

// Connection is a stored connection. Secrets holds envelopes, never
// plaintext.
type Connection struct {
	ID        string
	Workspace string
	Name      string
	Connector string
	Config    json.RawMessage
	Secrets   map[string][]byte // setting path → envelope
	Labels    []string
	CreatedAt time.Time
	CreatedBy string
	UpdatedAt time.Time
	UpdatedBy string
}

// Sealed is one stored secret envelope, named by its connection and the
// path of its setting.
type Sealed struct {
	ConnectionID string
	Workspace    string // the connection's, to name it in reports
	Name         string
	Field        string
	Envelope     []byte
}

// Reseal replaces the envelope Old of a secret by New.
type Reseal struct {
	ConnectionID string
	Field        string
	Old, New     []byte
}
