package record

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func decode(t *testing.T, s string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return Normalize(v)
}

func TestListAndSeq(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []Record
	}{
		{`{"a":1}`, []Record{{"a": 1}}},
		{`[{"a":1},2,"x"]`, []Record{{"a": 1}, {"value": 2}, {"value": "x"}}},
		{`null`, []Record{{}}},
		{`[]`, []Record{}},
		{`true`, []Record{{"value": true}}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, List(decode(t, tc.in))); diff != "" {
				t.Errorf("List (-want +got):\n%s", diff)
			}
			got := []Record{}
			for r, err := range Seq(decode(t, tc.in)) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, r)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Seq (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNormalizeKeepsBigIDsAndFractions(t *testing.T) {
	t.Parallel()
	got := decode(t, `{"id":9007199254740993,"price":12.5,"n":[1,2.0e0],"huge":1e400}`)
	want := map[string]any{"id": 9007199254740993, "price": 12.5, "n": []any{1, 2.0}, "huge": "1e400"}
	m := got.(map[string]any)
	if m["id"] != want["id"] || m["price"] != want["price"] || m["huge"] != want["huge"] {
		t.Errorf("got %v", got)
	}
	if diff := cmp.Diff(want["n"], m["n"]); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}
}
