package httpstep

import (
	"context"
	"net/http"
	"testing"

	"github.com/bistro-dev/bistro/internal/expr"
	"github.com/bistro-dev/bistro/internal/flow"
	"github.com/google/go-cmp/cmp"
)

func TestIdempotencyKeyPerPage(t *testing.T) {
	t.Parallel()
	f := setup(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page") == "3" {
			writeJSON(w, 200, `[]`)
			return
		}
		writeJSON(w, 200, `[{"id":1}]`)
	})
	step, err := Compile(&flow.HTTP{Method: "POST", URL: f.srv.URL + "/search", JSON: map[string]any{"q": "x"},
		Paginate: &flow.Paginate{Page: &flow.PagePaging{Param: "page"}}}, nil, flow.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	vars := expr.Vars{expr.VarRecord: map[string]any{}, expr.VarIdempotencyKey: "run/step/1"}
	if err := step.Run(context.Background(), f.cl, vars, func(map[string]any) error { return nil }); err != nil {
		t.Fatal(err)
	}
	reqs, _ := f.requests()
	var got []string
	for _, r := range reqs {
		got = append(got, r.Header.Get("Idempotency-Key"))
	}
	want := []string{"run/step/1", "run/step/1/page-2", "run/step/1/page-3"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
}
