package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/bistro-dev/bistro/internal/store"
)

// Setting returns an installation setting.
func (s *Store) Setting(ctx context.Context, key string) ([]byte, error) {
	var v []byte
	err := s.pool.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("setting %s: %w", key, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("setting %s: %w", key, err)
	}
	return v, nil
}

// InitSetting stores the setting unless it is set, and returns what is
// stored. An insert that meets another process's uncommitted one waits
// for it; so when DO NOTHING returns, the winner's row is committed and
// the select sees it.
func (s *Store) InitSetting(ctx context.Context, key string, value []byte) ([]byte, error) {
	if value == nil {
		value = []byte{}
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO NOTHING`, key, value)
	if err != nil {
		return nil, fmt.Errorf("set up setting %s: %w", key, err)
	}
	return s.Setting(ctx, key)
}
