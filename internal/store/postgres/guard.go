package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bistro-dev/bistro/internal/store"
)

// PutSetting stores an installation setting, replacing its value.
func (s *Store) PutSetting(ctx context.Context, key string, value []byte) error {
	if value == nil {
		value = []byte{}
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("save setting %s: %w", key, err)
	}
	return nil
}

const requestColumns = `id, workspace, connector, reason, requested_by, status, answer, answered_by, created_at, answered_at`

// CreateConnectorRequest stores a new, pending request.
func (s *Store) CreateConnectorRequest(ctx context.Context, r store.ConnectorRequest) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO connector_requests (`+requestColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, '', '', $7, NULL)`,
		r.ID, r.Workspace, r.Connector, r.Reason, r.RequestedBy, store.RequestPending, timeValue(nowOr(r.CreatedAt)))
	if err := uniqueErr(err); err != nil {
		return fmt.Errorf("create connector request: %w", err)
	}
	return nil
}

func scanRequest(r rowScanner) (store.ConnectorRequest, error) {
	var c store.ConnectorRequest
	var created, answered *time.Time
	err := r.Scan(&c.ID, &c.Workspace, &c.Connector, &c.Reason, &c.RequestedBy, &c.Status, &c.Answer, &c.AnsweredBy, &created, &answered)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, store.ErrNotFound
	}
	c.CreatedAt, c.AnsweredAt = timeOf(created), timeOf(answered)
	return c, err
}

// GetConnectorRequest finds a request by id.
func (s *Store) GetConnectorRequest(ctx context.Context, id string) (store.ConnectorRequest, error) {
	c, err := scanRequest(s.pool.QueryRow(ctx, `SELECT `+requestColumns+` FROM connector_requests WHERE id = $1`, id))
	if err != nil {
		return c, fmt.Errorf("connector request %s: %w", id, err)
	}
	return c, nil
}

// ListConnectorRequests lists a workspace's requests ("" for all), newest
// first.
func (s *Store) ListConnectorRequests(ctx context.Context, workspace string) ([]store.ConnectorRequest, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+requestColumns+` FROM connector_requests
		WHERE $1 = '' OR workspace = $1 ORDER BY created_at DESC, id DESC`, workspace)
	if err != nil {
		return nil, fmt.Errorf("list connector requests: %w", err)
	}
	defer rows.Close()
	var out []store.ConnectorRequest
	for rows.Next() {
		c, err := scanRequest(rows)
		if err != nil {
			return nil, fmt.Errorf("list connector requests: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// AnswerConnectorRequest answers a pending request.
func (s *Store) AnswerConnectorRequest(ctx context.Context, id, status, answer, by string, at time.Time) (store.ConnectorRequest, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE connector_requests SET status = $1, answer = $2, answered_by = $3, answered_at = $4
		WHERE id = $5 AND status = $6`, status, answer, by, timeValue(nowOr(at)), id, store.RequestPending)
	if err != nil {
		return store.ConnectorRequest{}, fmt.Errorf("answer connector request %s: %w", id, err)
	}
	c, err := s.GetConnectorRequest(ctx, id)
	if err != nil {
		return c, err
	}
	if tag.RowsAffected() == 0 {
		return c, fmt.Errorf("connector request %s was answered already: %w", id, store.ErrConflict)
	}
	return c, nil
}

// AddNotifications stores notifications.
func (s *Store) AddNotifications(ctx context.Context, ns []store.Notification) error {
	if len(ns) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	for _, n := range ns {
		b.Queue(`INSERT INTO notifications (id, user_id, workspace, kind, message, link, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, n.ID, n.UserID, n.Workspace, n.Kind, n.Message, n.Link, timeValue(nowOr(n.CreatedAt)))
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("add notifications: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("add notifications: %w", err)
	}
	return tx.Commit(ctx)
}

// ListNotifications lists a person's notifications, newest first.
func (s *Store) ListNotifications(ctx context.Context, userID string, limit int) ([]store.Notification, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, user_id, workspace, kind, message, link, created_at, read_at
		FROM notifications WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("list notifications: %w", err)
	}
	defer rows.Close()
	var out []store.Notification
	for rows.Next() {
		var n store.Notification
		var created, read *time.Time
		if err := rows.Scan(&n.ID, &n.UserID, &n.Workspace, &n.Kind, &n.Message, &n.Link, &created, &read); err != nil {
			return nil, fmt.Errorf("list notifications: %w", err)
		}
		n.CreatedAt, n.ReadAt = timeOf(created), timeOf(read)
		out = append(out, n)
	}
	return out, rows.Err()
}

// MarkNotificationRead marks one of the person's notifications read.
func (s *Store) MarkNotificationRead(ctx context.Context, userID, id string, at time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE notifications SET read_at = COALESCE(read_at, $1)
		WHERE id = $2 AND user_id = $3`, timeValue(nowOr(at)), id, userID)
	if err != nil {
		return fmt.Errorf("mark notification %s read: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("notification %s: %w", id, store.ErrNotFound)
	}
	return nil
}

// FlowRunStats counts each flow's runs created since.
func (s *Store) FlowRunStats(ctx context.Context, since time.Time) (map[string]store.FlowRunStats, error) {
	rows, err := s.pool.Query(ctx, `SELECT flow_id, COUNT(*), COUNT(*) FILTER (WHERE status = 'failed'), MAX(created_at)
		FROM runs WHERE created_at >= $1 GROUP BY flow_id`, timeValue(since))
	if err != nil {
		return nil, fmt.Errorf("count runs by flow: %w", err)
	}
	defer rows.Close()
	out := map[string]store.FlowRunStats{}
	for rows.Next() {
		var id string
		var st store.FlowRunStats
		var last *time.Time
		if err := rows.Scan(&id, &st.Runs, &st.Failed, &last); err != nil {
			return nil, fmt.Errorf("count runs by flow: %w", err)
		}
		st.LastRunAt = timeOf(last)
		out[id] = st
	}
	return out, rows.Err()
}

// SetFlowOwner hands a flow to another person.
func (s *Store) SetFlowOwner(ctx context.Context, flowID, owner string) error {
	tag, err := s.pool.Exec(ctx, `UPDATE flows SET owner = $1 WHERE id = $2`, owner, flowID)
	if err != nil {
		return fmt.Errorf("set the owner of flow %s: %w", flowID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("flow %s: %w", flowID, store.ErrNotFound)
	}
	return nil
}

const reviewColumns = `id, workspace, flow, file, document, base_version, risk, reasons, status, submitted_by, comment, reviewed_by, version, created_at, reviewed_at`

// CreateReview stores a submitted change.
func (s *Store) CreateReview(ctx context.Context, r store.Review) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO reviews (`+reviewColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '', '', 0, $11, NULL)`,
		r.ID, r.Workspace, r.Flow, r.File, string(r.Document), r.BaseVersion, r.Risk, r.Reasons, store.ReviewSubmitted,
		r.SubmittedBy, timeValue(nowOr(r.CreatedAt)))
	if err := uniqueErr(err); err != nil {
		return fmt.Errorf("create review: %w", err)
	}
	return nil
}

func scanReview(row rowScanner) (store.Review, error) {
	var r store.Review
	var doc string
	var created, reviewed *time.Time
	err := row.Scan(&r.ID, &r.Workspace, &r.Flow, &r.File, &doc, &r.BaseVersion, &r.Risk, &r.Reasons, &r.Status,
		&r.SubmittedBy, &r.Comment, &r.ReviewedBy, &r.Version, &created, &reviewed)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, store.ErrNotFound
	}
	r.Document, r.CreatedAt, r.ReviewedAt = []byte(doc), timeOf(created), timeOf(reviewed)
	return r, err
}

// GetReview finds a review by id.
func (s *Store) GetReview(ctx context.Context, id string) (store.Review, error) {
	r, err := scanReview(s.pool.QueryRow(ctx, `SELECT `+reviewColumns+` FROM reviews WHERE id = $1`, id))
	if err != nil {
		return r, fmt.Errorf("review %s: %w", id, err)
	}
	return r, nil
}

// ListReviews lists reviews, newest first.
func (s *Store) ListReviews(ctx context.Context, workspace, status string) ([]store.Review, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+reviewColumns+` FROM reviews
		WHERE ($1 = '' OR workspace = $1) AND ($2 = '' OR status = $2) ORDER BY created_at DESC, id DESC`, workspace, status)
	if err != nil {
		return nil, fmt.Errorf("list reviews: %w", err)
	}
	defer rows.Close()
	var out []store.Review
	for rows.Next() {
		r, err := scanReview(rows)
		if err != nil {
			return nil, fmt.Errorf("list reviews: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// FinishReview records the answer to a submitted review.
func (s *Store) FinishReview(ctx context.Context, r store.Review) (store.Review, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE reviews SET status = $1, comment = $2, reviewed_by = $3, version = $4, reviewed_at = $5
		WHERE id = $6 AND status = $7`, r.Status, r.Comment, r.ReviewedBy, r.Version, timeValue(nowOr(r.ReviewedAt)), r.ID, store.ReviewSubmitted)
	if err != nil {
		return store.Review{}, fmt.Errorf("finish review %s: %w", r.ID, err)
	}
	got, err := s.GetReview(ctx, r.ID)
	if err != nil {
		return got, err
	}
	if tag.RowsAffected() == 0 {
		return got, fmt.Errorf("review %s was answered already: %w", r.ID, store.ErrConflict)
	}
	return got, nil
}

// CountRunsSince counts the workspace's runs created since.
func (s *Store) CountRunsSince(ctx context.Context, workspace string, since time.Time) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT COUNT(*) FROM runs WHERE workspace = $1 AND created_at >= $2`, workspace, timeValue(since)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count the runs of %s: %w", workspace, err)
	}
	return n, nil
}
