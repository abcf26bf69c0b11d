package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/internal/store"
	"github.com/bistro-dev/bistro/internal/store/sqlite"
)

func TestDataDirectoryIsLocked(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first, err := sqlite.Open(t.Context(), sqlite.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sqlite.Open(t.Context(), sqlite.Config{Dir: dir}); err == nil || !strings.Contains(err.Error(), "another bistro process is using the data directory") {
		t.Fatalf("a second open of the same directory: %v; want it refused", err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := sqlite.Open(t.Context(), sqlite.Config{Dir: dir})
	if err != nil {
		t.Fatalf("after Close the directory is free again: %v", err)
	}
	again.Close()
}

// TestInterruptedRunsResumeAtOnce: a job left running by a process that
// died is available again as soon as the store opens, not after River's
// rescue delay.
func TestInterruptedRunsResumeAtOnce(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir := t.TempDir()
	s, err := sqlite.Open(ctx, sqlite.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	f, _, err := s.PutFlow(ctx, store.PutFlow{Workspace: store.DefaultWorkspace, Name: "f", Document: []byte("x"), Format: "yaml", Trigger: "manual"})
	if err != nil {
		t.Fatal(err)
	}
	run := store.NewRun{ID: "01900000-0000-7000-8000-000000000001", FlowID: f.ID, FlowVersion: 1, Trigger: "manual", Status: store.StatusQueued}
	if _, err := s.CreateRuns(ctx, []store.NewRun{run}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	// What a kill -9 mid-run leaves behind: the job marked running.
	db, err := sql.Open("sqlite", filepath.Join(dir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `UPDATE river_job SET state = 'running', attempt = 1, attempted_at = datetime('now', 'subsec')`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err = sqlite.Open(ctx, sqlite.Config{Dir: dir, PollInterval: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if state, _, err := s.JobState(ctx, run.ID); err != nil || state != "available" {
		t.Fatalf("job state after reopening = %q, %v; want available", state, err)
	}
	handled := make(chan string, 1)
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- s.Work(wctx, store.WorkOptions{}, func(_ context.Context, id string) error {
			handled <- id
			return nil
		})
	}()
	select {
	case id := <-handled:
		if id != run.ID {
			t.Errorf("handled %s; want %s", id, run.ID)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the interrupted run was not handed to a worker")
	}
	cancel()
	<-done
}
