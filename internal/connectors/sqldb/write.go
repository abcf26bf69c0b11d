package sqldb

import (
	"context"
	"fmt"
	"maps"
	"strings"

	"github.com/bistro-dev/bistro/connector"
)

// query runs the user's statement, emitting its rows as they arrive.
func (c *Conn) query(ctx context.Context, req connector.Request, emit func(map[string]any) error) error {
	sql, err := text(req.Input, "sql")
	if err != nil {
		return err
	}
	if sql == "" {
		return connector.Permanent(fmt.Errorf("'sql' is required: the statement to run"))
	}
	params, err := list(req.Input, "params")
	if err != nil {
		return err
	}
	args := make([]any, len(params))
	for i, p := range params {
		args[i] = c.d.Arg(p)
	}
	if err := c.db.Query(ctx, sql, args, emitting(emit)); err != nil {
		return c.fail("query", err, nil)
	}
	return nil
}

// writeInput reads the table and the values a write writes.
func writeInput(req connector.Request, what string) (Name, row, error) {
	t, err := table(req.Input)
	if err != nil {
		return Name{}, row{}, err
	}
	v, err := values(req)
	if err != nil {
		return Name{}, row{}, err
	}
	if len(v) == 0 {
		return Name{}, row{}, connector.Permanent(fmt.Errorf("nothing to %s in table '%s': the record has no fields and 'values' is not set", what, t))
	}
	r, err := columns(v, "values")
	return t, r, err
}

// insert adds one row. With key_column, the step's idempotency key is
// stored in that column, and a retry that finds its row already there
// returns that row instead of adding another.
func (c *Conn) insert(ctx context.Context, req connector.Request, emit func(map[string]any) error) error {
	t, r, err := writeInput(req, "insert")
	if err != nil {
		return err
	}
	keyCol, err := text(req.Input, "key_column")
	if err != nil {
		return err
	}
	var key Name
	if keyCol != "" && req.Key != "" {
		if key, err = ParseColumn(keyCol); err != nil {
			return err
		}
		m := maps.Clone(rowMap(r))
		m[key.Name] = req.Key
		if r, err = columns(m, "values"); err != nil {
			return err
		}
	}
	s := insertSQL(c.d, t, r)
	rows, err := c.write(ctx, t, s, r)
	if err != nil && key.Name != "" {
		found, ferr := c.selectRows(ctx, t, row{cols: []Name{key}, vals: []any{req.Key}})
		if ferr == nil && len(found) > 0 {
			return emitAll(found, emit)
		}
	}
	if err != nil {
		return c.fail(fmt.Sprintf("insert into table '%s'", t), err, s.params)
	}
	return emitAll(rows, emit)
}

// upsert inserts a row or updates the one with the same key.
func (c *Conn) upsert(ctx context.Context, req connector.Request, emit func(map[string]any) error) error {
	t, r, err := writeInput(req, "upsert")
	if err != nil {
		return err
	}
	key, err := columnList(req.Input, "key")
	if err != nil {
		return err
	}
	if len(key) == 0 {
		return connector.Permanent(fmt.Errorf("'key' is required: the columns that identify a row of table '%s'", t))
	}
	m := rowMap(r)
	for _, k := range key {
		if _, ok := m[k.Name]; !ok {
			return connector.Permanent(fmt.Errorf("the key column '%s' has no value: add it to the values written to table '%s'", k.Name, t))
		}
	}
	s := upsertSQL(c.d, t, r, key, c.autoColumn(ctx, t))
	rows, err := c.write(ctx, t, s, r)
	if err != nil {
		return c.fail(fmt.Sprintf("upsert into table '%s'", t), err, s.params)
	}
	return emitAll(rows, emit)
}

// write runs an insert or upsert and returns the row as written: from
// RETURNING, or (MySQL) the values with the id the row got.
func (c *Conn) write(ctx context.Context, t Name, s *stmt, r row) ([]map[string]any, error) {
	if c.d.returning() {
		s.returning()
		return c.collect(ctx, s)
	}
	res, err := c.db.Exec(ctx, s.String(), s.args)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	for i, col := range r.cols {
		out[col.Name] = Value(r.vals[i])
	}
	if auto := c.autoColumn(ctx, t); auto != "" && res.LastID > 0 && out[auto] == nil {
		out[auto] = int(res.LastID)
	}
	return []map[string]any{out}, nil
}

// collect runs a statement and returns its rows.
func (c *Conn) collect(ctx context.Context, s *stmt) ([]map[string]any, error) {
	var rows []map[string]any
	err := c.db.Query(ctx, s.String(), s.args, func(r map[string]any) error {
		rows = append(rows, r)
		return nil
	})
	return rows, err
}

// selectRows reads the rows matching cond.
func (c *Conn) selectRows(ctx context.Context, t Name, cond row) ([]map[string]any, error) {
	return c.collect(ctx, selectSQL(c.d, t, cond, false))
}

// condition reads 'where' and 'all': which rows an update or delete
// changes. An empty condition needs all: true.
func condition(req connector.Request, t Name, what string) (row, error) {
	where, err := group(req.Input, "where")
	if err != nil {
		return row{}, err
	}
	all, err := flag(req.Input, "all")
	if err != nil {
		return row{}, err
	}
	if len(where) == 0 && !all {
		return row{}, connector.Permanent(fmt.Errorf("refusing to %s every row of table '%s': give 'where' (column: value) to choose rows, or set 'all: true' to %s them all", what, t, what))
	}
	return columns(where, "where")
}

// update changes the rows matching 'where' and emits them as changed.
func (c *Conn) update(ctx context.Context, req connector.Request, emit func(map[string]any) error) error {
	t, set, err := writeInput(req, "update")
	if err != nil {
		return err
	}
	cond, err := condition(req, t, "update")
	if err != nil {
		return err
	}
	s := updateSQL(c.d, t, set, cond)
	rows, err := c.change(ctx, t, s, cond, func(r map[string]any) {
		for i, col := range set.cols {
			r[col.Name] = Value(set.vals[i])
		}
	})
	if err != nil {
		return c.fail(fmt.Sprintf("update table '%s'", t), err, s.params)
	}
	return emitAll(rows, emit)
}

// delete removes the rows matching 'where' and emits them.
func (c *Conn) delete(ctx context.Context, req connector.Request, emit func(map[string]any) error) error {
	t, err := table(req.Input)
	if err != nil {
		return err
	}
	cond, err := condition(req, t, "delete")
	if err != nil {
		return err
	}
	s := deleteSQL(c.d, t, cond)
	rows, err := c.change(ctx, t, s, cond, func(map[string]any) {})
	if err != nil {
		return c.fail(fmt.Sprintf("delete from table '%s'", t), err, s.params)
	}
	return emitAll(rows, emit)
}

// change runs an update or delete and returns the rows it changed. Where
// there is no RETURNING (MySQL), the rows are read and locked first in
// the same transaction, and after applies the change to them.
func (c *Conn) change(ctx context.Context, t Name, s *stmt, cond row, after func(map[string]any)) ([]map[string]any, error) {
	if c.d.returning() {
		s.returning()
		return c.collect(ctx, s)
	}
	var rows []map[string]any
	err := c.db.Tx(ctx, func(tx DB) error {
		rows = nil
		sel := selectSQL(c.d, t, cond, true)
		err := tx.Query(ctx, sel.String(), sel.args, func(r map[string]any) error {
			rows = append(rows, r)
			return nil
		})
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, s.String(), s.args)
		return err
	})
	for _, r := range rows {
		after(r)
	}
	return rows, err
}

func emitAll(rows []map[string]any, emit func(map[string]any) error) error {
	for _, r := range rows {
		if err := emit(r); err != nil {
			return err
		}
	}
	return nil
}

func rowMap(r row) map[string]any {
	m := make(map[string]any, len(r.cols))
	for i, c := range r.cols {
		m[c.Name] = r.vals[i]
	}
	return m
}

// autoColumn returns a MySQL table's auto-increment column: "" when it
// has none or it cannot be read (the row is then returned without its
// id), and for the other dialects, which return written rows.
func (c *Conn) autoColumn(ctx context.Context, t Name) string {
	if c.d != MySQL {
		return ""
	}
	c.autoMu.Lock()
	col, ok := c.auto[t]
	c.autoMu.Unlock()
	if ok {
		return col
	}
	q := "SELECT column_name, extra FROM information_schema.columns WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ?"
	var schema any
	if t.Schema != "" {
		schema = t.Schema
	}
	found := false
	err := c.db.Query(ctx, q, []any{schema, t.Name}, func(r map[string]any) error {
		found = true
		if extra, _ := r["extra"].(string); strings.Contains(strings.ToLower(extra), "auto_increment") {
			col, _ = r["column_name"].(string)
		}
		return nil
	})
	if err == nil && found { // a table not there yet may be created later
		c.autoMu.Lock()
		c.auto[t] = col
		c.autoMu.Unlock()
	}
	return col
}
