package postgres

import (
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/bistro-dev/bistro/connector"
)

// TestDescribeKinds checks how the server's error codes are classed.
func TestDescribeKinds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code string
		want string
	}{
		{"40P01", "retry"}, // deadlock
		{"40001", "retry"}, // serialization failure
		{"55P03", "retry"}, // lock not available
		{"53300", "retry"}, // too many connections
		{"57P01", "lost"},  // the server is shutting down
		{"08006", "lost"},
		{"23505", "permanent"},
		{"22P02", "permanent"},
		{"42P01", "permanent"},
		{"28P01", "permanent"},
		{"XX000", "other"},
	}
	for _, tt := range tests {
		err := describe("db:5432", &pgconn.PgError{Code: tt.code, Message: "m"}, nil)
		retry, _ := connector.IsRetryable(err)
		got := "other"
		switch {
		case errors.Is(err, connector.ErrNotConnected):
			got = "lost"
		case retry:
			got = "retry"
		case errors.Is(err, connector.ErrPermanent):
			got = "permanent"
		}
		if got != tt.want {
			t.Errorf("%s: %s (%v), want %s", tt.code, got, err, tt.want)
		}
	}
}
