package postgres

import (
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/bistro-dev/bistro/internal/connectors/sqldb"
)

// describe turns an error of pgx into one in plain words, marked for the
// engine: bad data and schema problems are permanent, deadlocks and
// serialization failures retryable, a lost server not connected.
func describe(addr string, err error, params []string) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return describeServer(addr, pgErr, params)
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return sqldb.Unreachable(addr, ce.Unwrap())
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) || pgconn.SafeToRetry(err) {
		return sqldb.Lost("lost the connection to %s: %v", addr, err)
	}
	var enc interface{ Unwrap() error }
	if strings.Contains(err.Error(), "failed to encode") && errors.As(err, &enc) {
		return sqldb.Refused("a value cannot be written: %v", err)
	}
	return err
}

var (
	paramWhere = regexp.MustCompile(`parameter \$(\d+)`)
	copyWhere  = regexp.MustCompile(`COPY [^,]+, line (\d+)(?:, column ([A-Za-z0-9_]+))?`)
)

// describeServer reads an error the server sent, by its SQLSTATE code.
func describeServer(addr string, e *pgconn.PgError, params []string) error {
	msg := plain(e)
	code, class := e.Code, e.Code[:2]
	switch {
	case class == "08" || code == "57P01" || code == "57P02" || code == "57P03":
		return sqldb.Lost("lost the connection to %s: %s", addr, msg)
	case code == "40001" || code == "40P01" || code == "55P03" || class == "53":
		return sqldb.Busy("%s; trying again may work", msg)
	case class == "28":
		return sqldb.Refused("the server at %s did not accept the user name or password (%s)", addr, msg)
	case code == "3D000":
		return sqldb.Refused("the server at %s has no such database: %s", addr, msg)
	case code == "23505":
		return sqldb.Refused("%sa row with the same value already exists: %s", record(e), detail(e, msg))
	case code == "23502":
		return sqldb.Refused("%scolumn '%s' needs a value (it cannot be NULL)", record(e), e.ColumnName)
	case class == "23":
		return sqldb.Refused("%s%s: %s", record(e), strings.TrimSuffix(msg, "."), detail(e, msg))
	case class == "22" || code == "42804":
		return sqldb.Refused("%s%s", where(e, params), msg)
	case class == "42" || class == "0A" || class == "2B" || class == "25" || class == "P0":
		return sqldb.Refused("%s", msg)
	}
	return errors.New(msg)
}

// plain is the server's message in Bistro's words: "table" where
// PostgreSQL says "relation", with its hint and position.
func plain(e *pgconn.PgError) string {
	msg := strings.NewReplacer(`relation "`, `table "`, `of relation "`, `of table "`).Replace(e.Message)
	if e.Code == "42601" && e.Position > 0 {
		msg += " (at character " + strconv.Itoa(int(e.Position)) + ")"
	}
	if e.Hint != "" {
		msg += " (" + strings.TrimSuffix(e.Hint, ".") + ")"
	}
	return msg
}

// record names the record of a COPY that broke a constraint.
func record(e *pgconn.PgError) string {
	if m := copyWhere.FindStringSubmatch(e.Where); m != nil {
		return fmt.Sprintf("record %s: ", m[1])
	}
	return ""
}

func detail(e *pgconn.PgError, msg string) string {
	if e.Detail != "" {
		return e.Detail
	}
	return msg
}

// where names the column (and, in a COPY, the record) of a bad value,
// from the error's context: "unnamed portal parameter $2 = '...'" or
// "COPY orders, line 3, column qty: ...".
func where(e *pgconn.PgError, params []string) string {
	if m := copyWhere.FindStringSubmatch(e.Where); m != nil {
		if m[2] != "" {
			return fmt.Sprintf("record %s, column '%s': ", m[1], m[2])
		}
		return fmt.Sprintf("record %s: ", m[1])
	}
	if m := paramWhere.FindStringSubmatch(e.Where); m != nil {
		if i, err := strconv.Atoi(m[1]); err == nil && i >= 1 && i <= len(params) {
			return fmt.Sprintf("column '%s': ", params[i-1])
		}
		return fmt.Sprintf("parameter $%s: ", m[1])
	}
	if e.ColumnName != "" {
		return fmt.Sprintf("column '%s': ", e.ColumnName)
	}
	return ""
}
