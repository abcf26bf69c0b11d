package files_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/bistro-dev/bistro/connector"
)

var orders = []map[string]any{
	{"id": 1, "customer": "Zoë", "total": 19.9, "vip": true, "tags": []any{"a", "b"}},
	{"id": 2, "customer": "Jean, \"JJ\"", "total": 5, "vip": false, "note": "line 1\nline 2"},
}

func TestWriteAndReadBack(t *testing.T) {
	t.Parallel()
	third := map[string]any{"id": 3, "customer": "Ann"}
	asText := []map[string]any{
		{"id": 1, "customer": "Zoë", "total": 19.9, "vip": true, "tags": `["a","b"]`, "note": ""},
		{"id": 2, "customer": "Jean, \"JJ\"", "total": 5, "vip": false, "tags": "", "note": "line 1\nline 2"},
		{"id": 3, "customer": "Ann", "total": "", "vip": "", "tags": "", "note": ""},
	}
	asJSON := []map[string]any{
		{"id": 1, "customer": "Zoë", "total": 19.9, "vip": true, "tags": []any{"a", "b"}},
		{"id": 2, "customer": "Jean, \"JJ\"", "total": 5, "vip": false, "note": "line 1\nline 2"},
		third,
	}
	tests := []struct {
		path string
		read map[string]any
		want []map[string]any
	}{
		{"out/orders.csv", map[string]any{"types": "auto"}, asText},
		{"out/orders.json", nil, asJSON},
		{"out/orders.jsonl", nil, asJSON},
		{"out/orders.xlsx", map[string]any{"types": "auto"}, asText},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			sum, err := f.write(map[string]any{"path": tt.path}, "run1/save", orders...)
			if err != nil {
				t.Fatalf("write: %v", err)
			}
			if len(sum) != 1 || sum[0]["rows"] != 2 || sum[0]["path"] != tt.path || sum[0]["size"].(int) <= 0 {
				t.Errorf("summary = %v", sum)
			}
			if _, err := f.write(map[string]any{"path": tt.path}, "run2/save", third); err != nil {
				t.Fatalf("append: %v", err)
			}
			in := map[string]any{"path": tt.path}
			for k, v := range tt.read {
				in[k] = v
			}
			same(t, f.read(in), tt.want)
		})
	}
}

func TestWriteCSVText(t *testing.T) {
	t.Parallel()
	f := setup(t)
	rows := []map[string]any{{"b": "x", "a": 1}, {"a": 2.5, "c": nil}}
	if _, err := f.write(map[string]any{"path": "t.csv"}, "r/s", rows...); err != nil {
		t.Fatal(err)
	}
	same(t, f.content("t.csv"), "a,b,c\n1,x,\n2.5,,\n")
	if _, err := f.write(map[string]any{"path": "t2.csv", "columns": []any{"b", "a"}, "delimiter": ";", "bom": true}, "r/s", rows...); err != nil {
		t.Fatal(err)
	}
	same(t, f.content("t2.csv"), "\uFEFFb;a\nx;1\n;2.5\n")
}

// Records added to an existing file follow its columns, delimiter, line
// ends and encoding.
func TestWriteAppendsToExistingCSV(t *testing.T) {
	t.Parallel()
	t.Run("columns, delimiter, CRLF, no final line end", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		f.file("c.csv", []byte("\uFEFFemail;name;age\r\na@example.com;Ann;30"))
		if _, err := f.write(map[string]any{"path": "c.csv"}, "r/s", map[string]any{"name": "Bob", "email": "b@example.com"}); err != nil {
			t.Fatal(err)
		}
		same(t, f.content("c.csv"), "\uFEFFemail;name;age\r\na@example.com;Ann;30\r\nb@example.com;Bob;\r\n")
	})
	t.Run("Latin-1", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		f.file("l.csv", encode(t, charmap.Windows1252, "name;city\nZoë;Köln\n"))
		if _, err := f.write(map[string]any{"path": "l.csv"}, "r/s", map[string]any{"name": "René", "city": "Genève"}); err != nil {
			t.Fatal(err)
		}
		same(t, f.content("l.csv"), string(encode(t, charmap.Windows1252, "name;city\nZoë;Köln\nRené;Genève\n")))
		_, err := f.write(map[string]any{"path": "l.csv"}, "r/s", map[string]any{"name": "東京", "city": "x"})
		contains(t, err, "l.csv is encoded in Windows-1252")
	})
	t.Run("UTF-16", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		enc := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)
		f.file("u.csv", encode(t, enc, "name\tcity\nZoë\tKöln\n"))
		if _, err := f.write(map[string]any{"path": "u.csv"}, "r/s", map[string]any{"name": "東京", "city": "x"}); err != nil {
			t.Fatal(err)
		}
		same(t, f.read(map[string]any{"path": "u.csv"}), []map[string]any{{"name": "Zoë", "city": "Köln"}, {"name": "東京", "city": "x"}})
	})
	t.Run("a field the file has no column for", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		f.file("c.csv", []byte("a,b\n1,2\n"))
		_, err := f.write(map[string]any{"path": "c.csv"}, "r/s", map[string]any{"a": 3}, map[string]any{"a": 4, "zz": 5})
		contains(t, err, "record 2 has a field 'zz' that c.csv has no column for")
		same(t, f.content("c.csv"), "a,b\n1,2\n")
		_, err = f.write(map[string]any{"path": "c.csv", "columns": []any{"a", "zz"}}, "r/s", map[string]any{"a": 3})
		contains(t, err, "c.csv has no column 'zz'")
		if _, err := f.write(map[string]any{"path": "c.csv", "columns": []any{"a"}}, "r/s", map[string]any{"a": 3, "zz": 5}); err != nil {
			t.Fatal(err)
		}
		same(t, f.content("c.csv"), "a,b\n1,2\n3,\n")
	})
}

func TestWriteValues(t *testing.T) {
	t.Parallel()
	f := setup(t)
	in := map[string]any{"path": "v.jsonl", "values": map[string]any{"email": "a@example.com", "n": 1}}
	if _, err := f.write(in, "r/s", map[string]any{"ignored": true}); err != nil {
		t.Fatal(err)
	}
	same(t, f.content("v.jsonl"), "{\"email\":\"a@example.com\",\"n\":1}\n")
}

func TestWriteJSONAppend(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.file("empty.json", []byte("[ ]\n"))
	f.file("list.json", []byte("[\n  {\"id\": 1}\n]  \n\n"))
	f.file("object.json", []byte(`{"id": 1}`))
	for _, name := range []string{"empty.json", "list.json"} {
		if _, err := f.write(map[string]any{"path": name}, "r/s", map[string]any{"id": 2}, map[string]any{"id": 3}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	same(t, f.read(map[string]any{"path": "empty.json"}), []map[string]any{{"id": 2}, {"id": 3}})
	same(t, f.read(map[string]any{"path": "list.json"}), []map[string]any{{"id": 1}, {"id": 2}, {"id": 3}})
	_, err := f.write(map[string]any{"path": "object.json"}, "r/s", map[string]any{"id": 2})
	contains(t, err, "object.json does not hold a JSON list", "use format jsonl")
}

func TestWriteJSONLinesAddsMissingLineEnd(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.file("e.jsonl", []byte(`{"id":1}`))
	if _, err := f.write(map[string]any{"path": "e.jsonl", "columns": []any{"id"}}, "r/s", map[string]any{"id": 2, "x": "<b>"}); err != nil {
		t.Fatal(err)
	}
	same(t, f.content("e.jsonl"), "{\"id\":1}\n{\"id\":2}\n")
}

func TestWriteXLSXAppend(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.file("book.xlsx", workbook(t, map[string][][]any{
		"Orders": {{"id", "customer"}, {1, "Zoë"}},
		"Other":  {{"x"}},
	}))
	if _, err := f.write(map[string]any{"path": "book.xlsx"}, "r/s", map[string]any{"customer": "Jean", "id": 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.write(map[string]any{"path": "book.xlsx", "sheet": "New"}, "r/s", map[string]any{"a": 1}); err != nil {
		t.Fatal(err)
	}
	same(t, f.read(map[string]any{"path": "book.xlsx", "types": "auto"}), []map[string]any{{"id": 1, "customer": "Zoë"}, {"id": 2, "customer": "Jean"}})
	same(t, f.read(map[string]any{"path": "book.xlsx", "sheet": "Other"}), []map[string]any(nil))
	same(t, f.read(map[string]any{"path": "book.xlsx", "sheet": "New"}), []map[string]any{{"a": "1"}})
	if _, err := f.write(map[string]any{"path": "named.xlsx", "sheet": "Data"}, "r/s", map[string]any{"a": 1}); err != nil {
		t.Fatal(err)
	}
	same(t, f.read(map[string]any{"path": "named.xlsx", "sheet": "Data"}), []map[string]any{{"a": "1"}})
}

// overwrite replaces the file with a run's first batch; the same run's
// later batches add to it; another run replaces it again.
func TestWriteOverwrite(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"o.csv", "o.json", "o.jsonl", "o.xlsx"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			in := map[string]any{"path": name, "mode": "overwrite"}
			f.file(name, []byte("old content that is not even valid"))
			steps := []struct {
				key string
				id  int
			}{{"run1/save", 1}, {"run1/save", 2}, {"run2/save", 3}, {"run2/save", 4}}
			for _, s := range steps {
				if _, err := f.write(in, s.key, map[string]any{"id": s.id}); err != nil {
					t.Fatalf("batch %d: %v", s.id, err)
				}
				if s.id == 2 {
					same(t, f.read(map[string]any{"path": name, "types": "auto"}), []map[string]any{{"id": 1}, {"id": 2}})
				}
			}
			same(t, f.read(map[string]any{"path": name, "types": "auto"}), []map[string]any{{"id": 3}, {"id": 4}})
			left, _ := filepath.Glob(filepath.Join(f.dir, ".*"))
			same(t, left, []string(nil))
		})
	}
}

// A batch is written whole or not at all, across the files it goes to.
func TestWriteAllOrNothing(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.file("a.csv", []byte("id\n1\n"))
	f.file("b.json", []byte(`{"not": "a list"}`))
	reqs := []connector.Request{
		{Action: "write", Input: map[string]any{"path": "a.csv", "columns": []any{"id"}, "mode": "append", "format": "auto"}, Record: map[string]any{"id": 2}},
		{Action: "write", Input: map[string]any{"path": "new.jsonl", "mode": "append", "format": "auto"}, Record: map[string]any{"id": 3}},
		{Action: "write", Input: map[string]any{"path": "b.json", "mode": "append", "format": "auto"}, Record: map[string]any{"id": 4}},
	}
	err := f.conn.(connector.Batcher).DoBatch(context.Background(), "write", reqs, func(map[string]any) error { return nil })
	contains(t, err, "b.json does not hold a JSON list")
	same(t, f.content("a.csv"), "id\n1\n")
	if _, err := os.Stat(filepath.Join(f.dir, "new.jsonl")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("new.jsonl must not be left behind: %v", err)
	}
	// Two files in one batch: one summary each.
	var sums []map[string]any
	err = f.conn.(connector.Batcher).DoBatch(context.Background(), "write", reqs[:2], func(r map[string]any) error {
		sums = append(sums, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	same(t, f.content("a.csv"), "id\n1\n2\n")
	same(t, len(sums), 2)
	same(t, sums[1]["path"], "new.jsonl")
}

// Batches written at once to one file do not mix their lines.
func TestWriteConcurrentBatches(t *testing.T) {
	t.Parallel()
	f := setup(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Go(func() {
			recs := make([]map[string]any, 50)
			for k := range recs {
				recs[k] = map[string]any{"batch": i, "n": k, "text": "a fairly long value to make the writes larger"}
			}
			_, err := f.write(map[string]any{"path": "many.csv"}, "run/step", recs...)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got := f.read(map[string]any{"path": "many.csv"})
	same(t, len(got), 400)
}

func TestWriteRefusals(t *testing.T) {
	t.Parallel()
	f := setup(t)
	_, err := f.write(map[string]any{"path": "out/*.csv"}, "r/s", map[string]any{"a": 1})
	contains(t, err, "path must name one file")
	_, err = f.write(map[string]any{"path": "out.dat"}, "r/s", map[string]any{"a": 1})
	contains(t, err, "set format")
	f.file("dir/x.csv", []byte("a\n"))
	_, err = f.write(map[string]any{"path": "dir"}, "r/s", map[string]any{"a": 1})
	contains(t, err, "set format")
	_, err = f.write(map[string]any{"path": "dir", "format": "csv"}, "r/s", map[string]any{"a": 1})
	contains(t, err, "'dir' is a folder")
	_, err = f.write(map[string]any{"path": "x.csv", "delimiter": ";;"}, "r/s", map[string]any{"a": 1})
	contains(t, err, "delimiter must be one character")
	if err := f.conn.(connector.Batcher).DoBatch(context.Background(), "read", nil, nil); err == nil {
		t.Error("read does not take batches")
	}
}

func TestList(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.file("in/b.csv", []byte("12345"))
	f.file("in/a.csv", []byte("1"))
	f.file("in/c.json", []byte("[]"))
	if err := os.Mkdir(filepath.Join(f.dir, "in", "d.csv"), 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := f.do("list", map[string]any{"pattern": "in/*.csv"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("list = %v", got)
	}
	same(t, []any{got[0]["name"], got[0]["size"], got[1]["name"], got[1]["size"]}, []any{"in/a.csv", 1, "in/b.csv", 5})
	if m, _ := got[0]["modified"].(string); len(m) != len("2026-01-31T09:30:00Z") {
		t.Errorf("modified = %v", got[0]["modified"])
	}
	all, err := f.do("list", map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	same(t, len(all), 0) // only in/ at the top
	_, err = f.do("list", map[string]any{"pattern": "in/[a"})
	contains(t, err, "the pattern 'in/[a' is not valid")
}
