package postgres

import (
	"context"
	"errors"
	"fmt"
	"github.com/jackc/pgx/v5"
	"time"

	"github.com/bistro-dev/bistro/internal/store"
)

// timeZero asks nowOr for the current time.
var timeZero time.Time

const versionColumns = `flow_id, version, document, format, hash, created_by, created_at`

func scanVersion(r rowScanner) (store.Version, error) {
	var v store.Version
	var created *time.Time
	err := r.Scan(&v.FlowID, &v.Version, &v.Document, &v.Format, &v.Hash, &v.By, &created)
	if errors.Is(err, pgx.ErrNoRows) {
		return v, store.ErrNotFound
	}
	v.CreatedAt = timeOf(created)
	return v, err
}

// FlowVersion returns one version of a flow.
func (s *Store) FlowVersion(ctx context.Context, flowID string, version int) (store.Version, error) {
	v, err := scanVersion(s.pool.QueryRow(ctx, `SELECT `+versionColumns+
		` FROM flow_versions WHERE flow_id = $1 AND version = $2`, flowID, version))
	if err != nil {
		return v, fmt.Errorf("version %d of flow %s: %w", version, flowID, err)
	}
	return v, nil
}

// ListVersions lists a flow's versions, oldest first; ErrNotFound when the
// flow does not exist.
func (s *Store) ListVersions(ctx context.Context, flowID string) ([]store.Version, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+versionColumns+
		` FROM flow_versions WHERE flow_id = $1 ORDER BY version`, flowID)
	if err != nil {
		return nil, fmt.Errorf("versions of flow %s: %w", flowID, err)
	}
	defer rows.Close()
	var out []store.Version
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, fmt.Errorf("versions of flow %s: %w", flowID, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("versions of flow %s: %w", flowID, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("versions of flow %s: %w", flowID, store.ErrNotFound)
	}
	return out, nil
}
