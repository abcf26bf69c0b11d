package sqldbtest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/bistro-dev/bistro/connector"
)

// placeholders returns the dialect's parameter markers for n values.
func placeholders(target Target, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "?"
		if target.Connector.Spec().Name == "postgres" {
			out[i] = fmt.Sprintf("$%d", i+1)
		}
	}
	return out
}

func testQuery(t *testing.T, target Target) {
	f := setup(t, target)
	p := placeholders(target, 3)
	evil := "x'); DROP TABLE " + f.table + "; --"
	f.exec(fmt.Sprintf("INSERT INTO %s (email, qty, note) VALUES (%s, %s, %s)", f.table, p[0], p[1], p[2]), "a@example.com", 3, evil)
	f.exec(fmt.Sprintf("INSERT INTO %s (email, qty, note) VALUES (%s, %s, %s)", f.table, p[0], p[1], p[2]), "b@example.com", "4", nil)
	out := f.exec(fmt.Sprintf("SELECT email, qty, note FROM %s WHERE qty >= %s ORDER BY email", f.table, p[0]), 3)
	if len(out) != 2 {
		t.Fatalf("got %d rows, want 2: %v", len(out), out)
	}
	if out[0]["email"] != "a@example.com" || number(out[0]["qty"]) != 3 || out[0]["note"] != evil {
		t.Errorf("first row %v: the parameter must be stored as it is, not run", out[0])
	}
	if number(out[1]["qty"]) != 4 || out[1]["note"] != nil {
		t.Errorf("second row %v: \"4\" must be stored as the number 4 and nil as NULL", out[1])
	}
	out = f.exec(fmt.Sprintf("SELECT COUNT(*) AS n FROM %s WHERE email = %s", f.table, p[0]), "nobody")
	if len(out) != 1 || number(out[0]["n"]) != 0 {
		t.Errorf("count = %v, want one row with 0", out)
	}
}

// testQueryStreams checks that rows are emitted as they come, and that
// an error of emit stops the query and is returned as it is.
func testQueryStreams(t *testing.T, target Target) {
	f := setup(t, target)
	for i := range 5 {
		f.must(f.write("insert", map[string]any{"values": map[string]any{"email": fmt.Sprint(i), "qty": i}}, nil))
	}
	stop := errors.New("enough")
	seen := 0
	err := f.conn.Do(context.Background(), query("SELECT * FROM "+f.table+" ORDER BY id"), func(map[string]any) error {
		seen++
		if seen == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || err.Error() != "enough" {
		t.Errorf("err = %v, want emit's error as it is", err)
	}
	if seen != 2 {
		t.Errorf("emit called %d times, want 2", seen)
	}
	if out := f.rows(); len(out) != 5 {
		t.Errorf("the connection must still work: %d rows", len(out))
	}
}

func testInsert(t *testing.T, target Target) {
	f := setup(t, target)
	out := f.must(f.write("insert", nil, map[string]any{"email": "a@example.com", "qty": 2.0, "note": "hi"}))
	if len(out) != 1 || number(out[0]["id"]) < 1 || out[0]["email"] != "a@example.com" || number(out[0]["qty"]) != 2 {
		t.Fatalf("insert of the record emitted %v, want the row with its generated id", out)
	}
	first := number(out[0]["id"])
	out = f.must(f.write("insert", map[string]any{"values": map[string]any{"email": "b@example.com", "qty": "7"}}, map[string]any{"ignored": true}))
	if len(out) != 1 || number(out[0]["id"]) <= first || number(out[0]["qty"]) != 7 {
		t.Fatalf("insert of values emitted %v", out)
	}
	rows := f.rows()
	if len(rows) != 2 || rows[1]["email"] != "b@example.com" || rows[1]["note"] != nil {
		t.Errorf("rows %v", rows)
	}
	_, err := f.do(f.write("insert", nil, map[string]any{}))
	permanent(t, err, "nothing to insert", f.table)
}

// testInsertKeyColumn checks that a retried insert with the same
// idempotency key finds its row instead of adding another.
func testInsertKeyColumn(t *testing.T, target Target) {
	f := setup(t, target)
	req := f.write("insert", map[string]any{"key_column": "bkey"}, map[string]any{"email": "a@example.com", "qty": 1})
	req.Key = "run-1/save/1"
	first := f.must(req)
	again := f.must(req)
	if len(first) != 1 || len(again) != 1 || number(first[0]["id"]) != number(again[0]["id"]) || again[0]["bkey"] != req.Key {
		t.Errorf("first %v, retry %v: the retry must return the same row", first, again)
	}
	if n := len(f.rows()); n != 1 {
		t.Errorf("%d rows, want 1", n)
	}
	req.Key = "run-2/save/1"
	_, err := f.do(req)
	permanent(t, err, "already exists")
}

func testUpsert(t *testing.T, target Target) {
	f := setup(t, target)
	in := map[string]any{"key": []any{"email"}}
	first := f.must(f.write("upsert", in, map[string]any{"email": "a@example.com", "qty": 1}))
	second := f.must(f.write("upsert", in, map[string]any{"email": "a@example.com", "qty": 2, "note": "changed"}))
	other := f.must(f.write("upsert", in, map[string]any{"email": "b@example.com", "qty": 3}))
	if len(first) != 1 || len(second) != 1 || len(other) != 1 {
		t.Fatalf("each upsert must emit one row: %v %v %v", first, second, other)
	}
	if number(first[0]["id"]) < 1 || number(second[0]["id"]) != number(first[0]["id"]) {
		t.Errorf("the update must return the same row's id: %v then %v", first, second)
	}
	if number(other[0]["id"]) == number(first[0]["id"]) {
		t.Errorf("a new key must insert a new row: %v", other)
	}
	rows := f.rows()
	if len(rows) != 2 || number(rows[0]["qty"]) != 2 || rows[0]["note"] != "changed" {
		t.Errorf("rows %v", rows)
	}
	again := f.must(f.write("upsert", in, map[string]any{"email": "a@example.com", "qty": 2, "note": "changed"}))
	if len(again) != 1 || number(again[0]["id"]) != number(first[0]["id"]) {
		t.Errorf("an upsert that changes nothing must still return the row: %v", again)
	}
	_, err := f.do(f.write("upsert", in, map[string]any{"qty": 5}))
	permanent(t, err, "'email' has no value")
}

func testUpdate(t *testing.T, target Target) {
	f := setup(t, target)
	for i, email := range []string{"a", "b", "c"} {
		f.must(f.write("insert", nil, map[string]any{"email": email, "qty": i, "note": "old"}))
	}
	out := f.must(f.write("update", map[string]any{"values": map[string]any{"note": "new"}, "where": map[string]any{"email": "b"}}, nil))
	if len(out) != 1 || out[0]["email"] != "b" || out[0]["note"] != "new" || number(out[0]["id"]) < 1 {
		t.Errorf("update emitted %v, want the changed row", out)
	}
	out = f.must(f.write("update", map[string]any{"values": map[string]any{"note": "x"}, "where": map[string]any{"email": "nobody"}}, nil))
	if len(out) != 0 {
		t.Errorf("an update matching no row emitted %v", out)
	}
	out = f.must(f.write("update", map[string]any{"values": map[string]any{"qty": 9}, "where": map[string]any{"note": nil}}, nil))
	if len(out) != 0 {
		t.Errorf("where note is NULL matches no row here, emitted %v", out)
	}
	out = f.must(f.write("update", map[string]any{"values": map[string]any{"qty": 9}, "all": true}, nil))
	if len(out) != 3 {
		t.Errorf("update of all rows emitted %d rows, want 3", len(out))
	}
	rows := f.rows()
	if rows[0]["note"] != "old" || rows[1]["note"] != "new" || number(rows[2]["qty"]) != 9 {
		t.Errorf("rows %v", rows)
	}
}

func testUpdateWithoutWhere(t *testing.T, target Target) {
	f := setup(t, target)
	f.must(f.write("insert", nil, map[string]any{"email": "a", "note": "keep"}))
	_, err := f.do(f.write("update", map[string]any{"values": map[string]any{"note": "lost"}}, nil))
	permanent(t, err, "refusing to update every row", "all: true")
	_, err = f.do(f.write("update", map[string]any{"values": map[string]any{"note": "lost"}, "where": map[string]any{}}, nil))
	permanent(t, err, "refusing to update every row")
	_, err = f.do(f.write("delete", nil, nil))
	permanent(t, err, "refusing to delete every row")
	if rows := f.rows(); len(rows) != 1 || rows[0]["note"] != "keep" {
		t.Errorf("rows %v: nothing may change", rows)
	}
}

func testDelete(t *testing.T, target Target) {
	f := setup(t, target)
	for _, email := range []string{"a", "b", "c"} {
		f.must(f.write("insert", nil, map[string]any{"email": email, "qty": 1}))
	}
	out := f.must(f.write("delete", map[string]any{"where": map[string]any{"email": "b", "qty": 1}}, nil))
	if len(out) != 1 || out[0]["email"] != "b" {
		t.Errorf("delete emitted %v, want the deleted row", out)
	}
	if rows := f.rows(); len(rows) != 2 {
		t.Errorf("%d rows left, want 2", len(rows))
	}
	out = f.must(f.write("delete", map[string]any{"all": true}, nil))
	if len(out) != 2 || len(f.rows()) != 0 {
		t.Errorf("delete all emitted %v", out)
	}
}

// testIdentifiers checks that names that are not plain names are
// refused before anything reaches the database.
func testIdentifiers(t *testing.T, target Target) {
	f := setup(t, target)
	f.must(f.write("insert", nil, map[string]any{"email": "a"}))
	bad := []connector.Request{
		{Action: "insert", Input: map[string]any{"table": f.table + "; DROP TABLE " + f.table}, Record: map[string]any{"email": "x"}},
		{Action: "insert", Input: map[string]any{"table": `x"y`}, Record: map[string]any{"email": "x"}},
		{Action: "insert", Input: map[string]any{"table": "a.b.c"}, Record: map[string]any{"email": "x"}},
		{Action: "insert", Input: map[string]any{"table": "1abc"}, Record: map[string]any{"email": "x"}},
		f.write("insert", nil, map[string]any{"email": "x", "qty) VALUES (1); --": 1}),
		f.write("upsert", map[string]any{"key": []any{"email`"}}, map[string]any{"email": "x"}),
		f.write("update", map[string]any{"where": map[string]any{"1=1 OR email": "a"}}, map[string]any{"note": "x"}),
		f.write(target.Bulk, map[string]any{"columns": []any{"email", "note; --"}}, map[string]any{"email": "x"}),
		{Action: "delete", Input: map[string]any{"table": "", "all": true}},
	}
	for _, req := range bad {
		_, err := f.do(req)
		if err == nil || !errors.Is(err, connector.ErrPermanent) {
			t.Errorf("%s %v: err = %v, want a permanent refusal", req.Action, req.Input, err)
		}
	}
	_, _, err := f.conn.(connector.Poller).Poll(context.Background(), "new_row", map[string]any{"table": f.table, "cursor_column": "id desc"}, "", 10)
	permanent(t, err, "not a column name")
	if rows := f.rows(); len(rows) != 1 {
		t.Errorf("rows %v: nothing may change", rows)
	}
}
