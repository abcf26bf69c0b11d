package files_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/bistro-dev/bistro/connector"
)

var people = []map[string]any{
	{"name": "Zoë Müller", "city": "Köln", "age": "41"},
	{"name": "Jean Dupont", "city": "Paris", "age": "35"},
}

func encode(t *testing.T, enc encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := enc.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReadCSVDelimitersAndEncodings(t *testing.T) {
	t.Parallel()
	const semicolons = "name;city;age\nZoë Müller;Köln;41\nJean Dupont;Paris;35\n"
	utf16 := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)
	utf16be := unicode.UTF16(unicode.BigEndian, unicode.UseBOM)
	tests := []struct {
		name    string
		content []byte
		in      map[string]any
	}{
		{"semicolons", []byte(semicolons), nil},
		{"tabs", []byte("name\tcity\tage\nZoë Müller\tKöln\t41\nJean Dupont\tParis\t35\n"), nil},
		{"commas with CRLF", []byte("name,city,age\r\nZoë Müller,Köln,41\r\nJean Dupont,Paris,35\r\n"), nil},
		{"pipes", []byte("name|city|age\nZoë Müller|Köln|41\nJean Dupont|Paris|35"), nil},
		{"UTF-8 with BOM", append([]byte("\xEF\xBB\xBF"), semicolons...), nil},
		{"UTF-16 little endian with BOM", encode(t, utf16, semicolons), nil},
		{"UTF-16 big endian with BOM", encode(t, utf16be, semicolons), nil},
		{"UTF-16 without BOM", encode(t, unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), semicolons), nil},
		{"Latin-1", encode(t, charmap.ISO8859_1, semicolons), nil},
		{"Windows-1252 given", encode(t, charmap.Windows1252, semicolons), map[string]any{"encoding": "windows-1252"}},
		{"delimiter given", []byte("name;city;age\nZoë Müller;Köln;41\nJean Dupont;Paris;35\n"), map[string]any{"delimiter": ";"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			f.file("people.csv", tt.content)
			in := map[string]any{"path": "people.csv"}
			for k, v := range tt.in {
				in[k] = v
			}
			same(t, f.read(in), people)
		})
	}
}

func TestReadTSVByName(t *testing.T) {
	t.Parallel()
	f := setup(t)
	// A comma inside a value must not be taken for the delimiter.
	f.file("people.tsv", []byte("name\tcity\nDupont, Jean\tParis\n"))
	same(t, f.read(map[string]any{"path": "people.tsv"}), []map[string]any{{"name": "Dupont, Jean", "city": "Paris"}})
}

func TestReadCSVQuotedNewlines(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.file("notes.csv", []byte("id;note\n1;\"first line\nsecond; line\"\n2;\"say \"\"hi\"\"\"\n"))
	got := f.read(map[string]any{"path": "notes.csv", "with_position": true})
	same(t, got, []map[string]any{
		{"id": "1", "note": "first line\nsecond; line", "_file": "notes.csv", "_row": 2},
		{"id": "2", "note": `say "hi"`, "_file": "notes.csv", "_row": 3},
	})
}

func TestReadCSVBadRows(t *testing.T) {
	t.Parallel()
	content := []byte("a,b,c\n1,2,3\n4,5\n6,7,8\n9,x\"y,10\n11,12,13\n")
	t.Run("fail", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		f.file("data.csv", content)
		err := f.readErr(map[string]any{"path": "data.csv"})
		contains(t, err, "data.csv row 3: expected 3 values, found 2", "on_bad_row: skip")
		if !errors.Is(err, connector.ErrPermanent) {
			t.Errorf("a bad row is permanent: %v", err)
		}
	})
	t.Run("fail on a bare quote", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		f.file("data.csv", []byte("a,b,c\n1,2,3\n9,x\"y,10\n"))
		err := f.readErr(map[string]any{"path": "data.csv"})
		contains(t, err, "data.csv row 3", "quote", "line 3, column")
	})
	t.Run("skip", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		f.file("data.csv", content)
		got := f.read(map[string]any{"path": "data.csv", "on_bad_row": "skip", "with_position": true})
		same(t, got, []map[string]any{
			{"a": "1", "b": "2", "c": "3", "_file": "data.csv", "_row": 2},
			{"a": "6", "b": "7", "c": "8", "_file": "data.csv", "_row": 4},
			{"a": "11", "b": "12", "c": "13", "_file": "data.csv", "_row": 6},
		})
	})
}

func TestReadRowNumbersWithThousands(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	b.WriteString("a,b,c,d,e\n")
	for range 1202 {
		b.WriteString("1,2,3,4,5\n")
	}
	b.WriteString("1,2,3,4\n")
	f := setup(t)
	f.file("customers.csv", b.Bytes())
	contains(t, f.readErr(map[string]any{"path": "customers.csv"}), "customers.csv row 1,204: expected 5 values, found 4")
}

func TestReadCSVHeaderOptions(t *testing.T) {
	t.Parallel()
	const content = "Id,E-mail,,Id\n007,a@example.com,x,1.50\n"
	tests := []struct {
		name string
		in   map[string]any
		want map[string]any
	}{
		{"names made unique", nil, map[string]any{"Id": "007", "E-mail": "a@example.com", "column_3": "x", "Id_2": "1.50"}},
		{"rename", map[string]any{"rename": map[string]any{"E-mail": "email"}}, map[string]any{"Id": "007", "email": "a@example.com", "column_3": "x", "Id_2": "1.50"}},
		{"columns", map[string]any{"columns": []any{"code", "email", "flag", "price"}}, map[string]any{"code": "007", "email": "a@example.com", "flag": "x", "price": "1.50"}},
		{"types auto", map[string]any{"columns": []any{"code", "email", "flag", "price"}, "types": "auto"}, map[string]any{"code": "007", "email": "a@example.com", "flag": "x", "price": 1.5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			f.file("c.csv", []byte(content))
			in := map[string]any{"path": "c.csv"}
			for k, v := range tt.in {
				in[k] = v
			}
			same(t, f.read(in), []map[string]any{tt.want})
		})
	}
}

func TestReadCSVWithoutHeader(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.file("n.csv", []byte("1,true,-2.5\n2,FALSE,0\n"))
	same(t, f.read(map[string]any{"path": "n.csv", "header": false, "types": "auto"}), []map[string]any{
		{"column_1": 1, "column_2": true, "column_3": -2.5},
		{"column_1": 2, "column_2": false, "column_3": 0},
	})
	same(t, f.read(map[string]any{"path": "n.csv", "header": false, "columns": []any{"id", "ok", "n"}}), []map[string]any{
		{"id": "1", "ok": "true", "n": "-2.5"},
		{"id": "2", "ok": "FALSE", "n": "0"},
	})
	contains(t, f.readErr(map[string]any{"path": "n.csv", "rename": map[string]any{"Nope": "x"}}), "n.csv has no column 'Nope'")
}

func TestReadJSON(t *testing.T) {
	t.Parallel()
	want := []map[string]any{
		{"id": 1, "name": "Zoë", "tags": []any{"a"}, "big": 12345678901234567},
		{"id": 2, "name": "Jean", "price": 9.5, "vip": true},
	}
	tests := []struct {
		name, file, content string
	}{
		{"list", "a.json", `[{"id":1,"name":"Zoë","tags":["a"],"big":12345678901234567},` + "\n" + `{"id":2,"name":"Jean","price":9.5,"vip":true}]`},
		{"objects one after another", "b.json", `{"id":1,"name":"Zoë","tags":["a"],"big":12345678901234567} {"id":2,"name":"Jean","price":9.5,"vip":true}`},
		{"lines", "c.jsonl", "{\"id\":1,\"name\":\"Zoë\",\"tags\":[\"a\"],\"big\":12345678901234567}\n\n{\"id\":2,\"name\":\"Jean\",\"price\":9.5,\"vip\":true}\n"},
		{"lines ndjson with CRLF", "d.ndjson", "{\"id\":1,\"name\":\"Zoë\",\"tags\":[\"a\"],\"big\":12345678901234567}\r\n{\"id\":2,\"name\":\"Jean\",\"price\":9.5,\"vip\":true}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			f.file(tt.file, []byte(tt.content))
			same(t, f.read(map[string]any{"path": tt.file}), want)
		})
	}
}

func TestReadJSONNotAnObject(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.file("v.json", []byte(`[1, "two", null]`))
	same(t, f.read(map[string]any{"path": "v.json", "with_position": true}), []map[string]any{
		{"value": 1, "_file": "v.json", "_row": 1},
		{"value": "two", "_file": "v.json", "_row": 2},
		{"value": nil, "_file": "v.json", "_row": 3},
	})
}

func TestReadJSONErrors(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.file("broken.json", []byte(`[{"id":1},{"id":2,}]`))
	contains(t, f.readErr(map[string]any{"path": "broken.json"}), "broken.json item 2: not valid JSON")
	f.file("cut.json", []byte(`[{"id":1},{"id":`))
	contains(t, f.readErr(map[string]any{"path": "cut.json"}), "cut.json item 2")
	f.file("more.json", []byte(`[{"id":1}] x`))
	contains(t, f.readErr(map[string]any{"path": "more.json"}), "more after the list")

	f.file("events.jsonl", []byte("{\"id\":1}\n{\"id\":\n{\"id\":3} x\n{\"id\":4}\n"))
	contains(t, f.readErr(map[string]any{"path": "events.jsonl"}), "events.jsonl line 2: ")
	got := f.read(map[string]any{"path": "events.jsonl", "on_bad_row": "skip", "with_position": true})
	same(t, got, []map[string]any{
		{"id": 1, "_file": "events.jsonl", "_row": 1},
		{"id": 4, "_file": "events.jsonl", "_row": 4},
	})
}

// workbook builds an XLSX file with excelize.
func workbook(t *testing.T, sheets map[string][][]any) []byte {
	t.Helper()
	x := excelize.NewFile()
	defer x.Close()
	first := true
	for _, name := range []string{"Orders", "Other"} {
		rows, ok := sheets[name]
		if !ok {
			continue
		}
		if first {
			if err := x.SetSheetName("Sheet1", name); err != nil {
				t.Fatal(err)
			}
			first = false
		} else if _, err := x.NewSheet(name); err != nil {
			t.Fatal(err)
		}
		for i, r := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := x.SetSheetRow(name, cell, &r); err != nil {
				t.Fatal(err)
			}
		}
	}
	var b bytes.Buffer
	if err := x.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestReadXLSX(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.file("book.xlsx", workbook(t, map[string][][]any{
		"Orders": {{"id", "customer", "total", "note"}, {1, "Zoë", 19.9, "first"}, {}, {2, "Jean", 5, nil}},
		"Other":  {{"a"}, {"b"}},
	}))
	got := f.read(map[string]any{"path": "book.xlsx", "with_position": true})
	same(t, got, []map[string]any{
		{"id": "1", "customer": "Zoë", "total": "19.9", "note": "first", "_file": "book.xlsx", "_row": 2},
		{"id": "2", "customer": "Jean", "total": "5", "note": "", "_file": "book.xlsx", "_row": 4},
	})
	same(t, f.read(map[string]any{"path": "book.xlsx", "sheet": "Other"}), []map[string]any{{"a": "b"}})
	auto := f.read(map[string]any{"path": "book.xlsx", "types": "auto"})
	same(t, auto[0]["total"], 19.9)
	contains(t, f.readErr(map[string]any{"path": "book.xlsx", "sheet": "Nope"}), "book.xlsx has no sheet 'Nope'; its sheets are Orders, Other")
	f.file("fake.xlsx", []byte("not a zip"))
	contains(t, f.readErr(map[string]any{"path": "fake.xlsx"}), "fake.xlsx is not an XLSX file")
}

func TestReadXLSXBadRow(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.file("book.xlsx", workbook(t, map[string][][]any{
		"Orders": {{"id", "total"}, {1, 2, "extra"}, {3, 4}},
	}))
	contains(t, f.readErr(map[string]any{"path": "book.xlsx"}), "book.xlsx row 2: expected 2 values, found 3")
	same(t, f.read(map[string]any{"path": "book.xlsx", "on_bad_row": "skip"}), []map[string]any{{"id": "3", "total": "4"}})
}

func TestReadContent(t *testing.T) {
	t.Parallel()
	f := setup(t)
	xlsx := workbook(t, map[string][][]any{"Orders": {{"id"}, {7}}})
	tests := []struct {
		name string
		in   map[string]any
		want []map[string]any
	}{
		{"CSV text", map[string]any{"content": "a;b\n1;2\n"}, []map[string]any{{"a": "1", "b": "2"}}},
		{"JSON text", map[string]any{"content": ` [{"a":1}]`}, []map[string]any{{"a": 1}}},
		{"JSON lines text", map[string]any{"content": "{\"a\":1}\n{\"a\":2}\n", "format": "jsonl"}, []map[string]any{{"a": 1}, {"a": 2}}},
		{"multipart upload", map[string]any{"content": map[string]any{
			"filename": "people.csv", "content_type": "text/csv", "size": 8,
			"content": base64.StdEncoding.EncodeToString([]byte("a,b\n1,2\n")),
		}, "with_position": true}, []map[string]any{{"a": "1", "b": "2", "_file": "people.csv", "_row": 2}}},
		{"binary body", map[string]any{"content": map[string]any{
			"base64": base64.StdEncoding.EncodeToString(xlsx), "content_type": "application/octet-stream",
		}}, []map[string]any{{"id": "7"}}},
		{"XLSX as base64 text", map[string]any{"content": base64.StdEncoding.EncodeToString(xlsx), "format": "xlsx"}, []map[string]any{{"id": "7"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			same(t, f.read(tt.in), tt.want)
		})
	}
	contains(t, f.readErr(map[string]any{"content": map[string]any{"filename": "x.csv"}}), "neither content nor base64")
	contains(t, f.readErr(map[string]any{"content": "a", "path": "x.csv"}), "either path")
	contains(t, f.readErr(map[string]any{}), "either path")
}

func TestReadPattern(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.file("in/b.csv", []byte("n\n2\n"))
	f.file("in/a.csv", []byte("n\n1\n"))
	f.file("in/c.txt.bak", []byte("n\n3\n"))
	f.file("in/sub.csv/x.csv", []byte("n\n4\n")) // a folder matching the pattern is left out
	got := f.read(map[string]any{"path": "in/*.csv", "with_position": true})
	same(t, got, []map[string]any{
		{"n": "1", "_file": "in/a.csv", "_row": 2},
		{"n": "2", "_file": "in/b.csv", "_row": 2},
	})
	same(t, len(f.read(map[string]any{"path": "none/*.csv"})), 0)
	contains(t, f.readErr(map[string]any{"path": "missing.csv"}), "there is no file 'missing.csv'")
	contains(t, f.readErr(map[string]any{"path": "in"}), "'in' is a folder")
	f.file("data.bin", []byte("x"))
	contains(t, f.readErr(map[string]any{"path": "data.bin"}), "set format")
	f.file("old.xls", []byte("x"))
	contains(t, f.readErr(map[string]any{"path": "old.xls"}), "save it as .xlsx")
}

func TestReadStopsWhenEmitFails(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.file("a.csv", []byte("n\n1\n2\n3\n"))
	stop := errors.New("stop")
	n := 0
	req := connector.Request{Action: "read", Input: input(t, "read", map[string]any{"path": "a.csv"})}
	err := f.conn.Do(t.Context(), req, func(map[string]any) error {
		n++
		return stop
	})
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("emit's error must end the read as is: got %v after %d records", err, n)
	}
}
