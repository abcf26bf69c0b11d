package sqlite

import (
	"errors"
	"regexp"
	"strings"

	driver "modernc.org/sqlite"
	lib "modernc.org/sqlite/lib"

	"github.com/bistro-dev/bistro/internal/connectors/sqldb"
)

// codeSuffix is the result code the driver appends to messages.
var codeSuffix = regexp.MustCompile(`\s*\(\d+\)$`)

// describe turns an error of the driver into one in plain words, marked
// for the engine: bad data and schema problems are permanent, a locked
// database retryable.
func describe(file string, err error) error {
	var se *driver.Error
	if !errors.As(err, &se) {
		return err
	}
	msg := codeSuffix.ReplaceAllString(se.Error(), "")
	for _, prefix := range []string{"SQL logic error: ", "constraint failed: "} {
		msg = strings.TrimPrefix(msg, prefix)
	}
	switch code := se.Code(); code & 0xff {
	case lib.SQLITE_BUSY, lib.SQLITE_LOCKED:
		return sqldb.Busy("the database file is busy (another program is writing to it); trying again may work: %s", msg)
	case lib.SQLITE_CONSTRAINT:
		if code == lib.SQLITE_CONSTRAINT_UNIQUE || code == lib.SQLITE_CONSTRAINT_PRIMARYKEY {
			return sqldb.Refused("a row with the same value already exists: %s", msg)
		}
		return sqldb.Refused("%s", msg)
	case lib.SQLITE_FULL, lib.SQLITE_IOERR:
		return sqldb.Busy("could not write the database file '%s': %s", file, msg)
	case lib.SQLITE_ERROR, lib.SQLITE_READONLY, lib.SQLITE_CANTOPEN, lib.SQLITE_NOTADB, lib.SQLITE_CORRUPT,
		lib.SQLITE_PERM, lib.SQLITE_AUTH, lib.SQLITE_MISMATCH, lib.SQLITE_RANGE, lib.SQLITE_TOOBIG:
		return sqldb.Refused("%s", msg)
	}
	return errors.New(msg)
}
