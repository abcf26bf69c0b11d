package httpstep

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bistro-dev/bistro/internal/expr"
	"github.com/bistro-dev/bistro/internal/flow"
)

// pager serves items 1..7, three a page, and tells the next page in every
// style at once: Link header, next url, cursor; page numbers count from 1.
func pager(t *testing.T) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		page := 1
		switch {
		case q.Get("page") != "":
			page, _ = strconv.Atoi(q.Get("page"))
		case q.Get("cursor") != "":
			page, _ = strconv.Atoi(strings.TrimPrefix(q.Get("cursor"), "c"))
		}
		if q.Get("api_key") != "" && q.Get("api_key") != "s3cret-token" {
			http.Error(w, "bad key", http.StatusUnauthorized)
			return
		}
		items := []map[string]any{}
		for i := (page-1)*3 + 1; i <= min(page*3, 7); i++ {
			items = append(items, map[string]any{"n": i})
		}
		resp := map[string]any{"items": items, "next": nil, "cursor": ""}
		if page*3 < 7 {
			w.Header().Add("Link", fmt.Sprintf(`</items?page=%d>; rel="next", </items?page=1>; rel="first"`, page+1))
			w.Header().Add("Link", `<https://example.com/docs,v2>; rel="help"`)
			resp["next"] = fmt.Sprintf("/items?page=%d", page+1)
			resp["cursor"] = fmt.Sprintf("c%d", page+1)
		}
		b, _ := json.Marshal(resp)
		writeJSON(w, 200, string(b))
	}
}

func numbers(recs []map[string]any) []float64 {
	var out []float64
	for _, r := range recs {
		out = append(out, r["n"].(float64))
	}
	return out
}

func TestPagination(t *testing.T) {
	t.Parallel()
	all := []float64{1, 2, 3, 4, 5, 6, 7}
	tests := []struct {
		name      string
		paginate  flow.Paginate
		auth      *flow.HTTPAuth
		want      []float64
		wantPages int
	}{
		{"link header", flow.Paginate{LinkHeader: true}, nil, all, 3},
		{"next url", flow.Paginate{NextURL: "response.body.next"}, nil, all, 3},
		{"next url keeps the api key", flow.Paginate{NextURL: "response.body.next"},
			&flow.HTTPAuth{APIKey: &flow.APIKey{Query: "api_key", Value: "{{ vars.token }}"}}, all, 3},
		{"cursor", flow.Paginate{Cursor: &flow.CursorPaging{Param: "cursor", Value: "response.body.cursor"}}, nil, all, 3},
		// The page style only stops on an empty page, so it asks once more.
		{"page", flow.Paginate{Page: &flow.PagePaging{Param: "page"}}, nil, all, 4},
		{"page from 2", flow.Paginate{Page: &flow.PagePaging{Param: "page", Start: 2}}, nil, all[3:], 3},
		{"max pages", flow.Paginate{LinkHeader: true, MaxPages: 2}, nil, all[:6], 2},
		{"one page", flow.Paginate{Cursor: &flow.CursorPaging{Param: "cursor", Value: "response.body.cursor"}, MaxPages: 1}, nil, all[:3], 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, pager(t))
			h := &flow.HTTP{URL: f.srv.URL + "/items", Records: "response.body.items", Paginate: &tt.paginate, Auth: tt.auth}
			var got []float64
			step, err := Compile(h, nil, flow.Scope{})
			if err != nil {
				t.Fatal(err)
			}
			// Records must leave as pages arrive, not all at the end.
			vars := expr.Vars{expr.VarVars: map[string]any{"token": "s3cret-token"}}
			err = step.Run(t.Context(), f.cl, vars, func(r map[string]any) error {
				reqs, _ := f.requests()
				if want := (len(got) / 3) + 1; len(reqs) != want {
					t.Errorf("record %v emitted after %d requests, want %d", r, len(reqs), want)
				}
				got = append(got, r["n"].(float64))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
			reqs, _ := f.requests()
			if len(reqs) != tt.wantPages {
				t.Errorf("%d requests, want %d", len(reqs), tt.wantPages)
			}
			for _, r := range reqs {
				if key := r.URL.Query().Get("api_key"); tt.auth != nil && key != "s3cret-token" {
					t.Errorf("request %s went without the api key", r.URL)
				}
			}
		})
	}
}

func TestPaginationInto(t *testing.T) {
	t.Parallel()
	f := setup(t, pager(t))
	h := &flow.HTTP{URL: f.srv.URL + "/items", Records: "response.body.items", Into: "items",
		Paginate: &flow.Paginate{LinkHeader: true}}
	out, err := f.run(t, h, nil, map[string]any{"who": "ada"})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || out[0]["who"] != "ada" {
		t.Fatalf("got %v, want one record for ada", out)
	}
	items, _ := out[0]["items"].([]any)
	var ns []float64
	for _, it := range items {
		ns = append(ns, it.(map[string]any)["n"].(float64))
	}
	if diff := cmp.Diff([]float64{1, 2, 3, 4, 5, 6, 7}, ns); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
}

func TestNextLink(t *testing.T) {
	t.Parallel()
	tests := []struct {
		header []string
		want   string
	}{
		{nil, ""},
		{[]string{`<https://a.test/2>; rel="next"`}, "https://a.test/2"},
		{[]string{`<https://a.test/1>; rel="prev", <https://a.test/3>; rel=next`}, "https://a.test/3"},
		{[]string{`<https://a.test/x,y>; rel="help"`, `</p?a=1,2>; title="a, b"; rel="last next"`}, "/p?a=1,2"},
		{[]string{`<https://a.test/1>; rel="nextish"`}, ""},
		{[]string{`garbage; rel="next"`}, ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.header, "|"), func(t *testing.T) {
			t.Parallel()
			h := http.Header{"Link": tt.header}
			if got := nextLink(h); got != tt.want {
				t.Errorf("nextLink = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEmitErrorStopsPaging(t *testing.T) {
	t.Parallel()
	f := setup(t, pager(t))
	step, err := Compile(&flow.HTTP{URL: f.srv.URL + "/items", Records: "response.body.items",
		Paginate: &flow.Paginate{LinkHeader: true}}, nil, flow.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	stop := errors.New("downstream is full")
	err = step.Run(t.Context(), f.cl, nil, func(map[string]any) error { return stop })
	if !errors.Is(err, stop) {
		t.Errorf("Run returned %v, want the emit error", err)
	}
	if reqs, _ := f.requests(); len(reqs) != 1 {
		t.Errorf("%d requests after emit failed, want 1", len(reqs))
	}
}

func TestCancelledRun(t *testing.T) {
	t.Parallel()
	f := setup(t, failing([]int{503, 503, 503}, nil))
	step, err := Compile(&flow.HTTP{URL: f.srv.URL}, nil, flow.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err = step.Run(ctx, f.cl, nil, func(map[string]any) error { return nil })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v, want context.Canceled", err)
	}
}

func FuzzNextLink(f *testing.F) {
	f.Add(`<https://a.test/2>; rel="next", </1>; rel=prev`)
	f.Add(`<a,b>; title="x, \"y\""; rel="next last"`)
	f.Fuzz(func(t *testing.T, header string) {
		next := nextLink(http.Header{"Link": {header}})
		if next != "" && !strings.Contains(header, next) {
			t.Errorf("nextLink(%q) = %q, which is not in the header", header, next)
		}
	})
}
