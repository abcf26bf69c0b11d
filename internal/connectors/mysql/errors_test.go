package mysql

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"testing"

	mysqldriver "github.com/go-sql-driver/mysql"

	"github.com/bistro-dev/bistro/connector"
)

// TestDescribeKinds checks how the server's error numbers are classed.
func TestDescribeKinds(t *testing.T) {
	t.Parallel()
	state := func(s string) [5]byte { var b [5]byte; copy(b[:], s); return b }
	tests := []struct {
		err  error
		want string
	}{
		{&mysqldriver.MySQLError{Number: 1213, SQLState: state("40001"), Message: "Deadlock found"}, "retry"},
		{&mysqldriver.MySQLError{Number: 1205, SQLState: state("HY000"), Message: "Lock wait timeout"}, "retry"},
		{&mysqldriver.MySQLError{Number: 1062, SQLState: state("23000"), Message: "Duplicate entry"}, "permanent"},
		{&mysqldriver.MySQLError{Number: 1366, SQLState: state("22007"), Message: "Incorrect integer value"}, "permanent"},
		{&mysqldriver.MySQLError{Number: 1146, SQLState: state("42S02"), Message: "Table 'x' doesn't exist"}, "permanent"},
		{&mysqldriver.MySQLError{Number: 1927, SQLState: state("08S01"), Message: "Connection was killed"}, "lost"},
		{fmt.Errorf("exec: %w", driver.ErrBadConn), "lost"},
		{mysqldriver.ErrInvalidConn, "lost"},
	}
	for _, tt := range tests {
		err := describe("db:3306", tt.err, nil)
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
			t.Errorf("%v: %s (%v), want %s", tt.err, got, err, tt.want)
		}
	}
}
