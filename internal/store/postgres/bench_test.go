package postgres_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bistro-dev/bistro/internal/store"
)

// BenchmarkCreateRuns measures queued runs written with their jobs, one
// transaction per batch.
func BenchmarkCreateRuns(b *testing.B) {
	for _, size := range []int{1, 100} {
		b.Run(map[int]string{1: "batch=1", 100: "batch=100"}[size], func(b *testing.B) {
			benchCreate(b, size, store.StatusQueued)
		})
	}
}

// BenchmarkCreateFinishedRuns measures runs created final (no job).
func BenchmarkCreateFinishedRuns(b *testing.B) {
	benchCreate(b, 100, store.StatusSucceeded)
}

func benchCreate(b *testing.B, size int, status store.Status) {
	s := open(b)
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
