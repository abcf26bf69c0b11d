package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/bistro-dev/bistro/internal/store"
)

// Setting returns an installation setting.
func (s *Store) Setting(ctx context.Context, key string) ([]byte, error) {
	return setting(ctx, s.read, key)
}

// InitSetting stores the setting unless it is set, and returns what is
// stored. The read goes through the write connection, after the insert,
// so it sees the row whichever call wrote it.
func (s *Store) InitSetting(ctx context.Context, key string, value []byte) ([]byte, error) {
	if value == nil {
		value = []byte{}
	}
	_, err := s.write.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO NOTHING`, key, value)
	if err != nil {
		return nil, fmt.Errorf("set up setting %s: %w", key, err)
	}
	return setting(ctx, s.write, key)
}

func setting(ctx context.Context, q querier, key string) ([]byte, error) {
	var v []byte
	err := q.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("setting %s: %w", key, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("setting %s: %w", key, err)
	}
	return v, nil
}
