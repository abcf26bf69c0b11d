package sqldb

import (
	"strings"
)

// stmt builds one statement: its text, the values bound to its
// parameters and the column each parameter is for (to name it in errors).
type stmt struct {
	d      Dialect
	b      strings.Builder
	args   []any
	params []string
}

func newStmt(d Dialect, parts ...string) *stmt {
	s := &stmt{d: d}
	s.w(parts...)
	return s
}

func (s *stmt) w(parts ...string) {
	for _, p := range parts {
		s.b.WriteString(p)
	}
}

// bind adds a value for column col and writes its parameter marker.
func (s *stmt) bind(col string, v any) {
	s.args = append(s.args, s.d.Arg(v))
	s.params = append(s.params, col)
	s.w(s.d.placeholder(len(s.args)))
}

func (s *stmt) String() string { return s.b.String() }

// names writes a list of quoted names.
func (s *stmt) names(cols []Name) {
	for i, c := range cols {
		if i > 0 {
			s.w(", ")
		}
		s.w(s.d.Quote(c))
	}
}

// tuple writes "(?, ?, ...)" with a row's values.
func (s *stmt) tuple(r row) {
	s.w("(")
	for i, c := range r.cols {
		if i > 0 {
			s.w(", ")
		}
		s.bind(c.Name, r.vals[i])
	}
	s.w(")")
}

// where writes equality conditions, "IS NULL" for a missing value.
func (s *stmt) where(cond row) {
	if len(cond.cols) == 0 {
		return
	}
	s.w(" WHERE ")
	for i, c := range cond.cols {
		if i > 0 {
			s.w(" AND ")
		}
		s.w(s.d.Quote(c))
		if cond.vals[i] == nil {
			s.w(" IS NULL")
			continue
		}
		s.w(" = ")
		s.bind(c.Name, cond.vals[i])
	}
}

func (s *stmt) returning() {
	if s.d.returning() {
		s.w(" RETURNING *")
	}
}

// insertSQL is INSERT INTO table (cols) VALUES (...).
func insertSQL(d Dialect, table Name, r row) *stmt {
	s := newStmt(d, "INSERT INTO ", d.Quote(table), " (")
	s.names(r.cols)
	s.w(") VALUES ")
	s.tuple(r)
	return s
}

// upsertSQL inserts r or, when a row with the same key exists, updates
// it. MySQL has no conflict target: its primary key and unique indexes
// decide; auto, when set, is its auto-increment column, so that the
// updated row's id is returned as the last insert id.
func upsertSQL(d Dialect, table Name, r row, key []Name, auto string) *stmt {
	s := insertSQL(d, table, r)
	isKey := map[string]bool{}
	for _, k := range key {
		isKey[k.Name] = true
	}
	var set []Name
	for _, c := range r.cols {
		if !isKey[c.Name] {
			set = append(set, c)
		}
	}
	if len(set) == 0 {
		set = key[:1] // a no-op update, so that the row is still returned
	}
	if d == MySQL {
		s.w(" ON DUPLICATE KEY UPDATE ")
		for i, c := range set {
			if i > 0 {
				s.w(", ")
			}
			s.w(d.Quote(c), " = VALUES(", d.Quote(c), ")")
		}
		if auto != "" {
			a := d.Quote(Name{Name: auto})
			s.w(", ", a, " = LAST_INSERT_ID(", a, ")")
		}
		return s
	}
	s.w(" ON CONFLICT (")
	s.names(key)
	s.w(") DO UPDATE SET ")
	for i, c := range set {
		if i > 0 {
			s.w(", ")
		}
		s.w(d.Quote(c), " = EXCLUDED.", d.Quote(c))
	}
	return s
}

// updateSQL is UPDATE table SET ... WHERE ....
func updateSQL(d Dialect, table Name, set, cond row) *stmt {
	s := newStmt(d, "UPDATE ", d.Quote(table), " SET ")
	for i, c := range set.cols {
		if i > 0 {
			s.w(", ")
		}
		s.w(d.Quote(c), " = ")
		s.bind(c.Name, set.vals[i])
	}
	s.where(cond)
	return s
}

// deleteSQL is DELETE FROM table WHERE ....
func deleteSQL(d Dialect, table Name, cond row) *stmt {
	s := newStmt(d, "DELETE FROM ", d.Quote(table))
	s.where(cond)
	return s
}

// selectSQL is SELECT * FROM table WHERE ..., locking the rows when lock
// is set (to read rows before changing them where there is no RETURNING).
func selectSQL(d Dialect, table Name, cond row, lock bool) *stmt {
	s := newStmt(d, "SELECT * FROM ", d.Quote(table))
	s.where(cond)
	if lock && d != SQLite {
		s.w(" FOR UPDATE")
	}
	return s
}

// multiInsertSQL inserts many rows of the same columns at once.
func multiInsertSQL(d Dialect, table Name, cols []Name, rows [][]any) *stmt {
	s := newStmt(d, "INSERT INTO ", d.Quote(table), " (")
	n := len(rows) * len(cols)
	s.args, s.params = make([]any, 0, n), make([]string, 0, n)
	s.b.Grow(n * 8)
	s.names(cols)
	s.w(") VALUES ")
	for i, vals := range rows {
		if i > 0 {
			s.w(", ")
		}
		s.tuple(row{cols: cols, vals: vals})
	}
	return s
}
