package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/bistro-dev/bistro/internal/store"
)

// PutSetting stores an installation setting, replacing its value.
func (s *Store) PutSetting(ctx context.Context, key string, value []byte) error {
	if value == nil {
		value = []byte{}
	}
	_, err := s.write.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("save setting %s: %w", key, err)
	}
	return nil
}

const requestColumns = `id, workspace, connector, reason, requested_by, status, answer, answered_by, created_at, answered_at`

// CreateConnectorRequest stores a new, pending request.
func (s *Store) CreateConnectorRequest(ctx context.Context, r store.ConnectorRequest) error {
	_, err := s.write.ExecContext(ctx, `INSERT INTO connector_requests (`+requestColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, '', '', ?, NULL)`,
		r.ID, r.Workspace, r.Connector, r.Reason, r.RequestedBy, store.RequestPending, timeValue(nowOr(r.CreatedAt)))
	if err := uniqueErr(err); err != nil {
		return fmt.Errorf("create connector request: %w", err)
	}
	return nil
}

func scanRequest(r rowScanner) (store.ConnectorRequest, error) {
	var c store.ConnectorRequest
	var created, answered sql.NullInt64
	err := r.Scan(&c.ID, &c.Workspace, &c.Connector, &c.Reason, &c.RequestedBy, &c.Status, &c.Answer, &c.AnsweredBy, &created, &answered)
	if errors.Is(err, sql.ErrNoRows) {
		return c, store.ErrNotFound
	}
	c.CreatedAt, c.AnsweredAt = timeOf(created), timeOf(answered)
	return c, err
}

// GetConnectorRequest finds a request by id.
func (s *Store) GetConnectorRequest(ctx context.Context, id string) (store.ConnectorRequest, error) {
	return getRequest(ctx, s.read, id)
}

func getRequest(ctx context.Context, q querier, id string) (store.ConnectorRequest, error) {
	c, err := scanRequest(q.QueryRowContext(ctx, `SELECT `+requestColumns+` FROM connector_requests WHERE id = ?`, id))
	if err != nil {
		return c, fmt.Errorf("connector request %s: %w", id, err)
	}
	return c, nil
}

// ListConnectorRequests lists a workspace's requests ("" for all), newest
// first.
func (s *Store) ListConnectorRequests(ctx context.Context, workspace string) ([]store.ConnectorRequest, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+requestColumns+` FROM connector_requests
		WHERE ? = '' OR workspace = ? ORDER BY created_at DESC, id DESC`, workspace, workspace)
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
	res, err := s.write.ExecContext(ctx, `UPDATE connector_requests SET status = ?, answer = ?, answered_by = ?, answered_at = ?
		WHERE id = ? AND status = ?`, status, answer, by, timeValue(nowOr(at)), id, store.RequestPending)
	if err != nil {
		return store.ConnectorRequest{}, fmt.Errorf("answer connector request %s: %w", id, err)
	}
	c, err := getRequest(ctx, s.write, id)
	if err != nil {
		return c, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return c, fmt.Errorf("connector request %s was answered already: %w", id, store.ErrConflict)
	}
	return c, nil
}

// AddNotifications stores notifications.
func (s *Store) AddNotifications(ctx context.Context, ns []store.Notification) error {
	if len(ns) == 0 {
		return nil
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("add notifications: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	for _, n := range ns {
		if _, err := tx.ExecContext(ctx, `INSERT INTO notifications (id, user_id, workspace, kind, message, link, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, n.ID, n.UserID, n.Workspace, n.Kind, n.Message, n.Link, timeValue(nowOr(n.CreatedAt))); err != nil {
			return fmt.Errorf("add notification: %w", err)
		}
	}
	return tx.Commit()
}

// ListNotifications lists a person's notifications, newest first.
func (s *Store) ListNotifications(ctx context.Context, userID string, limit int) ([]store.Notification, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, user_id, workspace, kind, message, link, created_at, read_at
		FROM notifications WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("list notifications: %w", err)
	}
	defer rows.Close()
	var out []store.Notification
	for rows.Next() {
		var n store.Notification
		var created, read sql.NullInt64
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
	res, err := s.write.ExecContext(ctx, `UPDATE notifications SET read_at = COALESCE(read_at, ?)
		WHERE id = ? AND user_id = ?`, timeValue(nowOr(at)), id, userID)
	if err != nil {
		return fmt.Errorf("mark notification %s read: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("notification %s: %w", id, store.ErrNotFound)
	}
	return nil
}

// FlowRunStats counts each flow's runs created since.
func (s *Store) FlowRunStats(ctx context.Context, since time.Time) (map[string]store.FlowRunStats, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT flow_id, COUNT(*), COALESCE(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0), MAX(created_at)
		FROM runs WHERE created_at >= ? GROUP BY flow_id`, timeValue(since))
	if err != nil {
		return nil, fmt.Errorf("count runs by flow: %w", err)
	}
	defer rows.Close()
	out := map[string]store.FlowRunStats{}
	for rows.Next() {
		var id string
		var st store.FlowRunStats
		var last sql.NullInt64
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
	res, err := s.write.ExecContext(ctx, `UPDATE flows SET owner = ? WHERE id = ?`, owner, flowID)
	if err != nil {
		return fmt.Errorf("set the owner of flow %s: %w", flowID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("flow %s: %w", flowID, store.ErrNotFound)
	}
	return nil
}

const reviewColumns = `id, workspace, flow, file, document, base_version, risk, reasons, status, submitted_by, comment, reviewed_by, version, created_at, reviewed_at`

// CreateReview stores a submitted change.
func (s *Store) CreateReview(ctx context.Context, r store.Review) error {
	_, err := s.write.ExecContext(ctx, `INSERT INTO reviews (`+reviewColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', 0, ?, NULL)`,
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
	var created, reviewed sql.NullInt64
	err := row.Scan(&r.ID, &r.Workspace, &r.Flow, &r.File, &doc, &r.BaseVersion, &r.Risk, &r.Reasons, &r.Status,
		&r.SubmittedBy, &r.Comment, &r.ReviewedBy, &r.Version, &created, &reviewed)
	if errors.Is(err, sql.ErrNoRows) {
		return r, store.ErrNotFound
	}
	r.Document, r.CreatedAt, r.ReviewedAt = []byte(doc), timeOf(created), timeOf(reviewed)
	return r, err
}

// GetReview finds a review by id.
func (s *Store) GetReview(ctx context.Context, id string) (store.Review, error) {
	return getReview(ctx, s.read, id)
}

func getReview(ctx context.Context, q querier, id string) (store.Review, error) {
	r, err := scanReview(q.QueryRowContext(ctx, `SELECT `+reviewColumns+` FROM reviews WHERE id = ?`, id))
	if err != nil {
		return r, fmt.Errorf("review %s: %w", id, err)
	}
	return r, nil
}

// ListReviews lists reviews, newest first.
func (s *Store) ListReviews(ctx context.Context, workspace, status string) ([]store.Review, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+reviewColumns+` FROM reviews
		WHERE (? = '' OR workspace = ?) AND (? = '' OR status = ?) ORDER BY created_at DESC, id DESC`,
		workspace, workspace, status, status)
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
	res, err := s.write.ExecContext(ctx, `UPDATE reviews SET status = ?, comment = ?, reviewed_by = ?, version = ?, reviewed_at = ?
		WHERE id = ? AND status = ?`, r.Status, r.Comment, r.ReviewedBy, r.Version, timeValue(nowOr(r.ReviewedAt)), r.ID, store.ReviewSubmitted)
	if err != nil {
		return store.Review{}, fmt.Errorf("finish review %s: %w", r.ID, err)
	}
	got, err := getReview(ctx, s.write, r.ID)
	if err != nil {
		return got, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return got, fmt.Errorf("review %s was answered already: %w", r.ID, store.ErrConflict)
	}
	return got, nil
}

// CountRunsSince counts the workspace's runs created since.
func (s *Store) CountRunsSince(ctx context.Context, workspace string, since time.Time) (int, error) {
	var n int
	err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM runs WHERE workspace = ? AND created_at >= ?`, workspace, timeValue(since)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count the runs of %s: %w", workspace, err)
	}
	return n, nil
}
