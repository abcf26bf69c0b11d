package sqldbtest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/bistro-dev/bistro/connector"
)

// batch builds the requests of one batch of the bulk action.
func (f *fixture) batch(input map[string]any, records ...map[string]any) []connector.Request {
	reqs := make([]connector.Request, len(records))
	for i, r := range records {
		reqs[i] = f.write(f.bulk, input, r)
	}
	return reqs
}

func (f *fixture) load(reqs []connector.Request) ([]map[string]any, error) {
	var out []map[string]any
	err := f.conn.(connector.Batcher).DoBatch(context.Background(), f.bulk, reqs, func(r map[string]any) error {
		out = append(out, r)
		return nil
	})
	return out, err
}

func testBulk(t *testing.T, target Target) {
	f := setup(t, target)
	var records []map[string]any
	for i := range 2500 { // more than one multi-row INSERT
		records = append(records, map[string]any{"email": fmt.Sprintf("u%d@example.com", i), "qty": i, "note": "tab\there, line\nbreak, back\\slash, 'quote'"})
	}
	records[7]["note"] = nil
	out, err := f.load(f.batch(nil, records...))
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || number(out[0]["rows"]) != 2500 {
		t.Errorf("emitted %v, want one record {rows: 2500}", out)
	}
	rows := f.rows()
	if len(rows) != 2500 || rows[2499]["email"] != "u2499@example.com" || number(rows[2499]["qty"]) != 2499 {
		t.Fatalf("%d rows, last %v", len(rows), rows[len(rows)-1])
	}
	if rows[0]["note"] != records[0]["note"] || rows[7]["note"] != nil {
		t.Errorf("notes %q and %v: special characters must survive and nil must be NULL", rows[0]["note"], rows[7]["note"])
	}
}

// testBulkFailingBatch checks that a batch with one bad record writes
// nothing at all.
func testBulkFailingBatch(t *testing.T, target Target) {
	f := setup(t, target)
	var records []map[string]any
	for i := range 3000 {
		records = append(records, map[string]any{"email": fmt.Sprint(i), "qty": i})
	}
	records[2900]["email"] = "0" // a duplicate, in the last multi-row INSERT
	_, err := f.load(f.batch(nil, records...))
	permanent(t, err, "already exists", f.table)
	if rows := f.rows(); len(rows) != 0 {
		t.Errorf("%d rows written, want none", len(rows))
	}
	records = []map[string]any{{"email": "a", "qty": 1}, {"email": "b", "qty": "many"}}
	_, err = f.load(f.batch(nil, records...))
	permanent(t, err, "qty")
	if rows := f.rows(); len(rows) != 0 {
		t.Errorf("%d rows written, want none", len(rows))
	}
}

func testBulkColumns(t *testing.T, target Target) {
	f := setup(t, target)
	_, err := f.load(f.batch(nil, map[string]any{"email": "a"}, map[string]any{"email": "b", "note": "new"}))
	permanent(t, err, "record 2", "'note'", "columns")
	in := map[string]any{"columns": []any{"email", "note"}}
	out, err := f.load(f.batch(in, map[string]any{"email": "a", "skipped": 1}, map[string]any{"email": "b", "note": "n"}))
	if err != nil {
		t.Fatal(err)
	}
	if number(out[0]["rows"]) != 2 {
		t.Errorf("emitted %v", out)
	}
	rows := f.rows()
	if len(rows) != 2 || rows[0]["note"] != nil || rows[1]["note"] != "n" {
		t.Errorf("rows %v", rows)
	}
	in = map[string]any{"values": map[string]any{"email": "c", "qty": 3}}
	if _, err := f.load(f.batch(in, map[string]any{"other": 1})); err != nil {
		t.Fatal(err)
	}
	if rows := f.rows(); len(rows) != 3 || number(rows[2]["qty"]) != 3 {
		t.Errorf("rows %v", rows)
	}
	other := f.write(f.bulk, map[string]any{"table": "elsewhere"}, map[string]any{"email": "d"})
	_, err = f.load(append(f.batch(nil, map[string]any{"email": "d"}), other))
	if err == nil || !strings.Contains(err.Error(), "one table") {
		t.Errorf("a batch for two tables: err = %v", err)
	}
}
