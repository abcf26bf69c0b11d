package httpstep

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/bistro-dev/bistro/internal/expr"
	"github.com/bistro-dev/bistro/internal/flow"
)

// BenchmarkGetJSON measures one GET whose JSON answer gives 100 records.
func BenchmarkGetJSON(b *testing.B) {
	items := make([]map[string]any, 100)
	for i := range items {
		items[i] = map[string]any{"id": i, "email": fmt.Sprintf("user%d@example.com", i), "active": i%2 == 0}
	}
	body, _ := json.Marshal(items)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	b.Cleanup(srv.Close)
	cl := NewClient(ClientOptions{Egress: loopback})
	step, err := Compile(&flow.HTTP{URL: srv.URL + "/users?id={{ record.id }}",
		Auth: &flow.HTTPAuth{Bearer: "token"}}, nil, flow.Scope{})
	if err != nil {
		b.Fatal(err)
	}
	vars := expr.Vars{expr.VarRecord: map[string]any{"id": 1}}
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		err := step.Run(b.Context(), cl, vars, func(map[string]any) error { n++; return nil })
		if err != nil || n != 100 {
			b.Fatalf("%d records, %v", n, err)
		}
	}
}
