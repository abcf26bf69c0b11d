package sqlite_test

import (
	"testing"

	"github.com/bistro-dev/bistro/internal/store"
)

// The prepared statements are closed with the store: calls made after
// Close fail with an error instead of panicking.
func TestCallsAfterCloseFail(t *testing.T) {
	t.Parallel()
	s := open(t)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	ctx := t.Context()
	if _, err := s.GetRun(ctx, "r1"); err == nil {
		t.Error("GetRun after Close: no error")
	}
	if err := s.UpdateRun(ctx, store.RunUpdate{ID: "r1", Status: store.StatusRunning}); err == nil {
		t.Error("UpdateRun after Close: no error")
	}
	if err := s.SaveStep(ctx, store.Step{RunID: "r1", StepID: "a", Status: store.StatusSucceeded}); err == nil {
		t.Error("SaveStep after Close: no error")
	}
	if _, err := s.CreateRuns(ctx, []store.NewRun{{ID: "r2", FlowID: "f"}}); err == nil {
		t.Error("CreateRuns after Close: no error")
	}
}
