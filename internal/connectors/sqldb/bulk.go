package sqldb

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/bistro-dev/bistro/connector"
)

// rowsPerInsert caps the rows of one multi-row INSERT, so that a
// statement stays well under the server's packet limit.
const rowsPerInsert = 2000

// DoBatch loads the records of a batch into one table, all or none, and
// emits one record {"rows": n}.
func (c *Conn) DoBatch(ctx context.Context, action string, reqs []connector.Request, emit func(map[string]any) error) error {
	if action != c.bulk {
		return connector.Permanent(fmt.Errorf("the action '%s' does not take records in batches", action))
	}
	if len(reqs) == 0 {
		return nil
	}
	t, cols, rows, err := batchRows(reqs)
	if err != nil {
		return err
	}
	var n int64
	if l, ok := c.db.(Loader); ok {
		n, err = l.Load(ctx, t, cols, rows)
		if err != nil {
			return Redact(fmt.Errorf("load into table '%s': %w", t, err), c.secrets...)
		}
	} else if n, err = c.insertRows(ctx, t, cols, rows); err != nil {
		return err
	}
	return emit(map[string]any{"rows": int(n)})
}

// batchRows reads a batch: its table, its columns (the 'columns' setting
// or the first record's names) and each record's values in that order.
func batchRows(reqs []connector.Request) (Name, []Name, [][]any, error) {
	t, err := table(reqs[0].Input)
	if err != nil {
		return Name{}, nil, nil, err
	}
	cols, err := columnList(reqs[0].Input, "columns")
	if err != nil {
		return Name{}, nil, nil, err
	}
	chosen := len(cols) > 0
	rows := make([][]any, len(reqs))
	for i, req := range reqs {
		if other, _ := text(req.Input, "table"); other != t.String() {
			return Name{}, nil, nil, connector.Permanent(fmt.Errorf("record %d goes to table '%s', the others of its batch to '%s': a batch loads one table", i+1, other, t))
		}
		rec, err := values(req)
		if err != nil {
			return Name{}, nil, nil, err
		}
		if len(cols) == 0 {
			if cols, err = recordColumns(rec); err != nil {
				return Name{}, nil, nil, err
			}
		}
		if rows[i], err = rowValues(rec, cols, chosen, i+1); err != nil {
			return Name{}, nil, nil, err
		}
	}
	return t, cols, rows, nil
}

// recordColumns are the names of the first record, in order.
func recordColumns(rec map[string]any) ([]Name, error) {
	if len(rec) == 0 {
		return nil, connector.Permanent(fmt.Errorf("the first record has no fields, so there are no columns to load: give 'columns'"))
	}
	r, err := columns(rec, "the first record")
	return r.cols, err
}

// rowValues puts a record's values in column order; a missing value is
// NULL. A name that is not a column is refused unless the columns were
// chosen ('columns'), which leaves the other names out on purpose.
func rowValues(rec map[string]any, cols []Name, chosen bool, n int) ([]any, error) {
	vals := make([]any, len(cols))
	used := 0
	for i, c := range cols {
		v, ok := rec[c.Name]
		if ok {
			used++
		}
		vals[i] = v
	}
	if !chosen && used < len(rec) {
		for name := range rec {
			if !slices.ContainsFunc(cols, func(c Name) bool { return c.Name == name }) {
				return nil, connector.Permanent(fmt.Errorf("record %d has the field '%s', which the first record does not have, so it is not a column being loaded (%s); give 'columns' to choose them", n, name, names(cols)))
			}
		}
	}
	return vals, nil
}

func names(cols []Name) string {
	s := make([]string, len(cols))
	for i, c := range cols {
		s[i] = c.Name
	}
	return strings.Join(s, ", ")
}

// insertRows writes rows with multi-row INSERTs in one transaction.
func (c *Conn) insertRows(ctx context.Context, t Name, cols []Name, rows [][]any) (int64, error) {
	per := min(rowsPerInsert, c.d.maxParams()/len(cols))
	var n int64
	var params []string
	lo, hi := 0, len(rows)
	err := c.db.Tx(ctx, func(tx DB) error {
		n = 0
		for first := 0; first < len(rows); first += per {
			lo, hi = first, min(first+per, len(rows))
			s := multiInsertSQL(c.d, t, cols, rows[lo:hi])
			params = s.params
			res, err := tx.Exec(ctx, s.String(), s.args)
			if err != nil {
				return err
			}
			n += res.Rows
		}
		lo, hi, params = 0, len(rows), nil // the commit is for them all
		return nil
	})
	if err != nil {
		return 0, c.fail(fmt.Sprintf("load into table '%s' (records %d to %d of the batch)", t, lo+1, hi), err, params)
	}
	return n, nil
}
