package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/bistro-dev/bistro/internal/store"
)

// Page sizes of ListRuns.
const (
	defaultLimit = 50
	maxLimit     = 1000
)

// ListRuns lists runs newest first (uuid v7 ids sort by creation time).
func (s *Store) ListRuns(ctx context.Context, f store.RunFilter) ([]store.Run, error) {
	var where []string
	var args []any
	add := func(cond string, arg any) {
		where = append(where, cond)
		args = append(args, arg)
	}
	if f.Workspace != "" {
		add("workspace = ?", f.Workspace)
	}
	if f.FlowID != "" {
		add("flow_id = ?", f.FlowID)
	}
	if f.Status != "" {
		add("status = ?", string(f.Status))
	}
	if f.Trigger != "" {
		add("trigger_kind = ?", f.Trigger)
	}
	if !f.Since.IsZero() {
		add("created_at >= ?", timeValue(f.Since))
	}
	if !f.Until.IsZero() {
		add("created_at < ?", timeValue(f.Until))
	}
	if f.Before != "" {
		add("id < ?", f.Before)
	}
	q := `SELECT ` + runColumns + ` FROM runs`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, pageSize(f.Limit))
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	defer rows.Close()
	var out []store.Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("list runs: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func pageSize(n int) int {
	if n <= 0 {
		return defaultLimit
	}
	return min(n, maxLimit)
}

// CountRuns counts runs in a state; an empty status counts them all.
func (s *Store) CountRuns(ctx context.Context, status store.Status) (int, error) {
	var n int
	var err error
	if status == "" {
		err = s.read.QueryRowContext(ctx, `SELECT count(*) FROM runs`).Scan(&n)
	} else {
		err = s.read.QueryRowContext(ctx, `SELECT count(*) FROM runs WHERE status = ?`,
			string(status)).Scan(&n)
	}
	if err != nil {
		return 0, fmt.Errorf("count runs: %w", err)
	}
	return n, nil
}
