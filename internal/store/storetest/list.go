package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bistro-dev/bistro/internal/store"
)

func ids(runs []store.Run) []string {
	out := []string{}
	for _, r := range runs {
		out = append(out, r.ID)
	}
	return out
}

func testRunList(t *testing.T, s store.Store) {
	a, b := putFlow(t, s, "a", "a"), putFlow(t, s, "b", "b")
	base := ms(time.Now().Add(-time.Hour))
	var runs []store.NewRun
	for i, spec := range []struct {
		f      store.Flow
		status store.Status
	}{{a, store.StatusQueued}, {b, store.StatusSucceeded}, {a, store.StatusFailed}, {a, store.StatusQueued}} {
		r := finished(t, spec.f, spec.status, base)
		if spec.status == store.StatusQueued {
			r = queued(t, spec.f)
		}
		r.CreatedAt = base.Add(time.Duration(i) * time.Minute)
		runs = append(runs, r)
	}
	create(t, s, runs...)
	tests := map[string]struct {
		filter store.RunFilter
		want   []string
	}{
		"all, newest first": {store.RunFilter{}, []string{runs[3].ID, runs[2].ID, runs[1].ID, runs[0].ID}},
		"flow":              {store.RunFilter{FlowID: b.ID}, []string{runs[1].ID}},
		"status":            {store.RunFilter{Status: store.StatusQueued}, []string{runs[3].ID, runs[0].ID}},
		"flow and status":   {store.RunFilter{FlowID: a.ID, Status: store.StatusFailed}, []string{runs[2].ID}},
		"workspace":         {store.RunFilter{Workspace: store.DefaultWorkspace, Limit: 1}, []string{runs[3].ID}},
		"other workspace":   {store.RunFilter{Workspace: "other"}, []string{}},
		"since":             {store.RunFilter{Since: base.Add(2 * time.Minute)}, []string{runs[3].ID, runs[2].ID}},
		"until":             {store.RunFilter{Until: base.Add(time.Minute)}, []string{runs[0].ID}},
		"before":            {store.RunFilter{Before: runs[2].ID}, []string{runs[1].ID, runs[0].ID}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := s.ListRuns(t.Context(), tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, ids(got)); diff != "" {
				t.Errorf("ListRuns(%+v) (-want +got):\n%s", tt.filter, diff)
			}
		})
	}
}

// testRunListPaging walks all runs page by page, each page starting
// before the last run of the previous one.
func testRunListPaging(t *testing.T, s store.Store) {
	f := putFlow(t, s, "a", "a")
	var runs []store.NewRun
	for range 7 {
		runs = append(runs, queued(t, f))
	}
	create(t, s, runs...)
	var seen []string
	filter := store.RunFilter{FlowID: f.ID, Limit: 3}
	for page := 0; ; page++ {
		got, err := s.ListRuns(t.Context(), filter)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) > 3 || page > 3 {
			t.Fatalf("page %d has %d runs; the limit is 3", page, len(got))
		}
		if len(got) == 0 {
			break
		}
		seen = append(seen, ids(got)...)
		filter.Before = got[len(got)-1].ID
	}
	var want []string
	for i := len(runs) - 1; i >= 0; i-- {
		want = append(want, runs[i].ID)
	}
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Errorf("paging (-want +got):\n%s", diff)
	}
}

func testRunCount(t *testing.T, s store.Store) {
	f := putFlow(t, s, "a", "a")
	create(t, s, queued(t, f), queued(t, f), finished(t, f, store.StatusFailed, time.Now()))
	for status, want := range map[store.Status]int{store.StatusQueued: 2, store.StatusFailed: 1,
		store.StatusRunning: 0, "": 3} {
		n, err := s.CountRuns(t.Context(), status)
		if err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Errorf("CountRuns(%q) = %d; want %d", status, n, want)
		}
	}
}
