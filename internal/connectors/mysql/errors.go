package mysql

import (
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"regexp"
	"strings"

	mysqldriver "github.com/go-sql-driver/mysql"

	"github.com/bistro-dev/bistro/internal/connectors/sqldb"
	"github.com/bistro-dev/bistro/internal/egress"
)

// describe turns an error of the driver into one in plain words, marked
// for the engine: bad data and schema problems are permanent, deadlocks
// and lock timeouts retryable, a lost server not connected.
func describe(addr string, err error, _ []string) error {
	var me *mysqldriver.MySQLError
	if errors.As(err, &me) {
		return describeServer(addr, me)
	}
	var refused *egress.RefusedError
	var op *net.OpError
	switch {
	case errors.As(err, &refused) || errors.As(err, &op) && op.Op == "dial":
		return sqldb.Unreachable(addr, err)
	case errors.Is(err, mysqldriver.ErrNoTLS):
		return sqldb.Refused("the server at %s does not offer encryption (TLS), which the connection's tls setting requires", addr)
	case errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysqldriver.ErrInvalidConn) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return sqldb.Lost("lost the connection to %s: %v", addr, err)
	case errors.As(err, new(net.Error)):
		return sqldb.Lost("lost the connection to %s: %v", addr, err)
	case errors.Is(err, mysqldriver.ErrPktTooLarge):
		return sqldb.Refused("a statement is larger than the server accepts (max_allowed_packet): write fewer or smaller rows at once")
	}
	return err
}

var (
	unknownColumn   = regexp.MustCompile(`Unknown column '([^']*)' in '[^']*'`)
	qualifiedColumn = regexp.MustCompile("for column (?:`[^`]*`\\.)*`([^`]*)` at row (\\d+)")
)

// describeServer reads an error the server sent, by its number.
func describeServer(addr string, e *mysqldriver.MySQLError) error {
	msg := e.Message
	switch e.Number {
	case 1213, 1205, 1040, 1203, 1180:
		return sqldb.Busy("%s; trying again may work", msg)
	case 1045, 1698, 1044, 1130:
		return sqldb.Refused("the server at %s did not accept the user name or password (%s)", addr, msg)
	case 1049:
		return sqldb.Refused("the server at %s has no such database: %s", addr, msg)
	case 1062, 1586:
		return sqldb.Refused("a row with the same value already exists: %s", msg)
	case 1048, 1364:
		return sqldb.Refused("a column needs a value: %s", msg)
	case 1146:
		return sqldb.Refused("%s", strings.Replace(msg, "Table '", "table '", 1))
	case 1054:
		return sqldb.Refused("%s", unknownColumn.ReplaceAllString(msg, "there is no column '$1'"))
	}
	msg = qualifiedColumn.ReplaceAllString(msg, "for column '$1' (row $2)")
	state := string(e.SQLState[:])
	switch {
	case state == "40001":
		return sqldb.Busy("%s; trying again may work", msg)
	case strings.HasPrefix(state, "08"):
		return sqldb.Lost("lost the connection to %s: %s", addr, msg)
	case strings.HasPrefix(state, "22"), strings.HasPrefix(state, "23"), strings.HasPrefix(state, "42"),
		strings.HasPrefix(state, "HY"), strings.HasPrefix(state, "0A"), strings.HasPrefix(state, "21"):
		return sqldb.Refused("%s", msg)
	}
	return errors.New(msg)
}
