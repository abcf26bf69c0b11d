package httpstep

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bistro-dev/bistro/internal/flow"
)

func TestRecords(t *testing.T) {
	t.Parallel()
	record := map[string]any{"id": 7.0, "name": "ada"}
	tests := []struct {
		name        string
		contentType string
		body        string
		records     string
		into        string
		want        []map[string]any
	}{
		{"array gives one record per element", "application/json", `[{"a":1},{"a":2},3]`, "", "",
			[]map[string]any{{"a": 1.0}, {"a": 2.0}, {"value": 3.0}}},
		{"object gives one record", "application/json", `{"a":1}`, "", "",
			[]map[string]any{{"a": 1.0}}},
		{"json without content type", "text/plain", ` [{"a":1}]`, "", "",
			[]map[string]any{{"a": 1.0}}},
		{"problem+json is json", "application/problem+json", `"just text"`, "", "",
			[]map[string]any{{"status": 200, "headers": map[string]any{"content-type": "application/problem+json", "content-length": "11", "x-multi": []any{"1", "2"}}, "body": "just text"}}},
		{"text gives status, headers and body", "text/plain", "hello", "", "",
			[]map[string]any{{"status": 200, "headers": map[string]any{"content-type": "text/plain", "content-length": "5", "x-multi": []any{"1", "2"}}, "body": "hello"}}},
		{"broken json is text", "application/json", `{"a":`, "response.body", "",
			[]map[string]any{{"value": `{"a":`}}},
		{"records expression list", "application/json", `{"items":[{"a":1},"x"]}`, "response.body.items", "",
			[]map[string]any{{"a": 1.0}, {"value": "x"}}},
		{"records expression object", "application/json", `{"data":{"a":1}}`, "response.body.data", "",
			[]map[string]any{{"a": 1.0}}},
		{"records expression nothing", "application/json", `{"items":null}`, "response.body.items", "", nil},
		{"records expression status", "application/json", `{}`, "response.status", "",
			[]map[string]any{{"value": 200}}},
		{"into a list", "application/json", `[{"a":1},{"a":2}]`, "", "orders",
			[]map[string]any{{"id": 7.0, "name": "ada", "orders": []any{map[string]any{"a": 1.0}, map[string]any{"a": 2.0}}}}},
		{"into an object", "application/json", `{"a":1}`, "", "profile",
			[]map[string]any{{"id": 7.0, "name": "ada", "profile": map[string]any{"a": 1.0}}}},
		{"into with nothing", "application/json", `{"items":[]}`, "response.body.items", "orders",
			[]map[string]any{{"id": 7.0, "name": "ada", "orders": []any{}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				w.Header().Add("X-Multi", "1")
				w.Header().Add("X-Multi", "2")
				w.Write([]byte(tt.body))
			})
			out, err := f.run(t, &flow.HTTP{URL: f.srv.URL, Records: tt.records, Into: tt.into}, nil, record)
			if err != nil {
				t.Fatal(err)
			}
			// The date header changes every second; it is not what is tested.
			for _, r := range out {
				if h, ok := r["headers"].(map[string]any); ok {
					delete(h, "date")
				}
			}
			if diff := cmp.Diff(tt.want, out); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
			if len(record) != 2 {
				t.Errorf("the incoming record was changed: %v", record)
			}
		})
	}
}

func TestRecordsAreNotShared(t *testing.T) {
	t.Parallel()
	f := setup(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{}`) })
	record := map[string]any{"a": 1.0}
	out, err := f.run(t, &flow.HTTP{URL: f.srv.URL, Records: "[record, record]"}, nil, record)
	if err != nil {
		t.Fatal(err)
	}
	out[0]["a"] = 2.0
	if record["a"] != 1.0 || out[1]["a"] != 1.0 {
		t.Errorf("records share their maps: record %v, second %v", record, out[1])
	}
}
