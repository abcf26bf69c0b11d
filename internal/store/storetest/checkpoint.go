package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/internal/store"
)

func testCheckpoint(t *testing.T, s store.Store) {
	ctx := t.Context()
	cp := optional[store.Checkpointer](t, s)
	f := putFlow(t, s, "import", "doc")
	q := queued(t, f)
	create(t, s, q)
	if done, out, err := cp.Checkpoint(ctx, q.ID); err != nil || done != 0 || out != nil {
		t.Fatalf("Checkpoint of a new run = %d, %s, %v; want 0, nothing", done, out, err)
	}
	// Not running yet: nothing is recorded.
	if err := cp.SaveCheckpoint(ctx, q.ID, 5, json.RawMessage(`[{"n":1}]`)); err != nil {
		t.Fatal(err)
	}
	if done, _, _ := cp.Checkpoint(ctx, q.ID); done != 0 {
		t.Errorf("a queued run got checkpoint %d", done)
	}
	if err := s.UpdateRun(ctx, store.RunUpdate{ID: q.ID, Status: store.StatusRunning, At: ms(time.Now())}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{256, 512} {
		if err := cp.SaveCheckpoint(ctx, q.ID, n, json.RawMessage(`[{"n":1},{"n":2}]`)); err != nil {
			t.Fatal(err)
		}
	}
	done, out, err := cp.Checkpoint(ctx, q.ID)
	if err != nil || done != 512 || !sameJSONValue(out, `[{"n":1},{"n":2}]`) {
		t.Errorf("Checkpoint = %d, %s, %v; want 512 with the output", done, out, err)
	}
	// A finished run's outcome is never overwritten by a late checkpoint.
	if err := s.UpdateRun(ctx, store.RunUpdate{ID: q.ID, Status: store.StatusSucceeded, At: ms(time.Now()),
		Output: json.RawMessage(`[{"final":true}]`)}); err != nil {
		t.Fatal(err)
	}
	if err := cp.SaveCheckpoint(ctx, q.ID, 768, json.RawMessage(`[]`)); err != nil {
		t.Fatal(err)
	}
	r, err := s.GetRun(ctx, q.ID)
	if err != nil || !sameJSONValue(r.Output, `[{"final":true}]`) {
		t.Errorf("output of the finished run %s (%v); a checkpoint overwrote it", r.Output, err)
	}
}

func sameJSONValue(data []byte, want string) bool {
	var a, b any
	if json.Unmarshal(data, &a) != nil || json.Unmarshal([]byte(want), &b) != nil {
		return false
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}
