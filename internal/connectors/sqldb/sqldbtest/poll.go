package sqldbtest

import (
	"context"
	"testing"

	"github.com/bistro-dev/bistro/connector"
)

// poll polls the fixture's table and returns the records and the next
// cursor.
func (f *fixture) poll(input map[string]any, cursor string, limit int) ([]map[string]any, string) {
	f.t.Helper()
	in := map[string]any{"table": f.table, "cursor_column": "id"}
	for k, v := range input {
		in[k] = v
	}
	recs, next, err := f.conn.(connector.Poller).Poll(context.Background(), "new_row", in, cursor, limit)
	if err != nil {
		f.t.Fatalf("poll: %v", err)
	}
	return recs, next
}

func (f *fixture) insert(records ...map[string]any) {
	f.t.Helper()
	for _, r := range records {
		f.must(f.write("insert", nil, r))
	}
}

func emails(recs []map[string]any) []any {
	out := make([]any, len(recs))
	for i, r := range recs {
		out[i] = r["email"]
	}
	return out
}

func same(a []any, b ...any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func testPollFromNow(t *testing.T, target Target) {
	f := setup(t, target)
	f.insert(map[string]any{"email": "old"})
	recs, cursor := f.poll(nil, "", 10)
	if len(recs) != 0 || cursor == "" {
		t.Fatalf("first poll: %v, cursor %q; want nothing and a cursor", recs, cursor)
	}
	f.insert(map[string]any{"email": "a"}, map[string]any{"email": "b"}, map[string]any{"email": "c"})
	recs, next := f.poll(nil, cursor, 2)
	if !same(emails(recs), "a", "b") || next == cursor {
		t.Fatalf("second poll: %v, cursor %q", emails(recs), next)
	}
	if _, ok := recs[0]["_bistro_cursor"]; ok || recs[0]["id"] == nil {
		t.Errorf("record %v: want the row's columns only", recs[0])
	}
	recs, next = f.poll(nil, next, 2)
	if !same(emails(recs), "c") {
		t.Fatalf("third poll: %v", emails(recs))
	}
	recs, last := f.poll(nil, next, 2)
	if len(recs) != 0 || last != next {
		t.Errorf("fourth poll: %v, cursor %q; want nothing and the same cursor %q", recs, last, next)
	}
	_, _, err := f.conn.(connector.Poller).Poll(context.Background(), "nope", map[string]any{}, "", 1)
	permanent(t, err, "no trigger 'nope'")
}

// testPollTies checks from_beginning, and that rows sharing a cursor
// value are never split across polls, whatever the limit.
func testPollTies(t *testing.T, target Target) {
	f := setup(t, target)
	for _, r := range []struct {
		email string
		qty   int
	}{{"a", 1}, {"b", 2}, {"c", 2}, {"d", 2}, {"e", 3}} {
		f.insert(map[string]any{"email": r.email, "qty": r.qty})
	}
	f.insert(map[string]any{"email": "no cursor"})
	in := map[string]any{"cursor_column": "qty", "from_beginning": true}
	recs, cursor := f.poll(in, "", 2)
	if !same(emails(recs), "a") || cursor != "1" {
		t.Fatalf("first poll: %v, cursor %q; want a, and the page cut before the tie", emails(recs), cursor)
	}
	recs, cursor = f.poll(in, cursor, 2)
	if len(recs) != 3 || cursor != "2" {
		t.Fatalf("second poll: %v, cursor %q; want all three rows with qty 2", emails(recs), cursor)
	}
	recs, cursor = f.poll(in, cursor, 2)
	if !same(emails(recs), "e") || cursor != "3" {
		t.Fatalf("third poll: %v, cursor %q", emails(recs), cursor)
	}
}

// testPollTimeCursor checks a time column as cursor, the usual
// updated_at: the cursor's text must compare as the time it is.
func testPollTimeCursor(t *testing.T, target Target) {
	f := setup(t, target)
	f.insert(map[string]any{"email": "a", "changed": "2024-01-02 10:00:00.5"})
	in := map[string]any{"cursor_column": "changed"}
	_, cursor := f.poll(in, "", 10)
	f.insert(map[string]any{"email": "early", "changed": "2024-01-02 09:00:00"})
	f.insert(map[string]any{"email": "b", "changed": "2024-01-02 10:00:01"})
	f.must(f.write("update", map[string]any{"values": map[string]any{"changed": "2024-01-03 00:00:00"}, "where": map[string]any{"email": "a"}}, nil))
	recs, next := f.poll(in, cursor, 10)
	if !same(emails(recs), "b", "a") {
		t.Fatalf("poll after %q: %v, want the new row and the changed one, in time order", cursor, emails(recs))
	}
	if recs, _ := f.poll(in, next, 10); len(recs) != 0 {
		t.Errorf("poll after %q: %v, want nothing", next, emails(recs))
	}
}

// testPollEmptyTable checks that a poll from now on an empty table sees
// the first rows that come.
func testPollEmptyTable(t *testing.T, target Target) {
	f := setup(t, target)
	recs, cursor := f.poll(nil, "", 10)
	if len(recs) != 0 || cursor == "" {
		t.Fatalf("first poll: %v, cursor %q", recs, cursor)
	}
	if recs, again := f.poll(nil, cursor, 10); len(recs) != 0 || again != cursor {
		t.Fatalf("poll of the still empty table: %v, cursor %q", recs, again)
	}
	f.insert(map[string]any{"email": "first"})
	recs, _ = f.poll(nil, cursor, 10)
	if !same(emails(recs), "first") {
		t.Errorf("poll: %v, want the first row", emails(recs))
	}
}
