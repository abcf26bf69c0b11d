package sqldb

import (
	"strconv"
	"strings"
)

// Dialect is the SQL flavour of a database: how names are quoted, how
// parameters are written and which statements it has.
type Dialect int

// The dialects.
const (
	Postgres Dialect = iota + 1
	MySQL
	SQLite
)

// Quote returns n quoted for the dialect. Names are checked before they
// get here, so they hold no quote characters.
func (d Dialect) Quote(n Name) string {
	q := `"`
	if d == MySQL {
		q = "`"
	}
	if n.Schema == "" {
		return q + n.Name + q
	}
	return q + n.Schema + q + "." + q + n.Name + q
}

// placeholder returns the parameter marker of the i-th value (from 1).
func (d Dialect) placeholder(i int) string {
	if d == Postgres {
		return "$" + strconv.Itoa(i)
	}
	return "?"
}

// returning reports whether writes can return the rows they wrote
// (RETURNING *).
func (d Dialect) returning() bool { return d != MySQL }

// text returns an SQL expression giving expr as text.
func (d Dialect) text(expr string) string {
	if d == MySQL {
		return "CAST(" + expr + " AS CHAR)"
	}
	return "CAST(" + expr + " AS TEXT)"
}

// cursorArg turns a poll cursor back into a parameter. PostgreSQL and
// MySQL convert text to the column's type themselves; SQLite compares
// numbers and texts as different kinds in a column without a type, so
// numbers are bound as numbers there.
func (d Dialect) cursorArg(text string) any {
	if d != SQLite {
		return text
	}
	if i, err := strconv.ParseInt(text, 10, 64); err == nil {
		return i
	}
	if f, err := strconv.ParseFloat(text, 64); err == nil && !strings.ContainsAny(text, "nN") {
		return f
	}
	return text
}

// maxParams is the most parameters one statement may have.
func (d Dialect) maxParams() int {
	switch d {
	case MySQL:
		return 65535
	case SQLite:
		return 32766
	}
	return 65535
}
