package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bistro-dev/bistro/internal/store"
)

// BenchmarkCreateRuns measures queued runs written with their jobs (batches
// of 1 and 100, one transaction per batch) and runs created final, without
// a job (batches of 100), for any backend: each backend's benchmark calls
// it with its own open, as its tests call Run.
func BenchmarkCreateRuns(b *testing.B, open func(b *testing.B) store.Store) {
	for _, tc := range []struct {
		name   string
		size   int
		status store.Status
	}{
		{"queued/batch=1", 1, store.StatusQueued},
		{"queued/batch=100", 100, store.StatusQueued},
		{"finished/batch=100", 100, store.StatusSucceeded},
	} {
		b.Run(tc.name, func(b *testing.B) { benchCreate(b, open(b), tc.size, tc.status) })
	}
}

func benchCreate(b *testing.B, s store.Store, size int, status store.Status) {
	f, _, err := s.PutFlow(b.Context(), store.PutFlow{Workspace: store.DefaultWorkspace, Name: "bench",
		Document: []byte("doc"), Format: "yaml", Trigger: "webhook"})
	if err != nil {
		b.Fatal(err)
	}
	batch := make([]store.NewRun, size)
	runs := 0
	for b.Loop() {
		for i := range batch {
			batch[i] = store.NewRun{ID: uuid.Must(uuid.NewV7()).String(), FlowID: f.ID, FlowVersion: 1,
				Trigger: "webhook", Input: []byte(`[{"email":"a@b.c"}]`), Status: status,
				Output: []byte(`[{"ok":true}]`), EndedAt: time.Now()}
		}
		if _, err := s.CreateRuns(b.Context(), batch); err != nil {
			b.Fatal(err)
		}
		runs += size
	}
	b.ReportMetric(float64(runs)/b.Elapsed().Seconds(), "runs/s")
}
