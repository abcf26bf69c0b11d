package storetest

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/internal/store"
)

func testEventCursor(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := putFlow(t, s, "orders", "doc")
	if c, err := s.EventCursor(ctx, f.ID); err != nil || c != "" {
		t.Fatalf("EventCursor of a new flow = %q, %v; want \"\", nil", c, err)
	}
	for _, want := range []string{"41", "42"} {
		if err := s.SetEventCursor(ctx, f.ID, want); err != nil {
			t.Fatal(err)
		}
		if c, err := s.EventCursor(ctx, f.ID); err != nil || c != want {
			t.Fatalf("EventCursor = %q, %v; want %q", c, err, want)
		}
	}
	if err := s.DeleteFlow(ctx, f.ID); err != nil {
		t.Fatal(err)
	}
	if c, err := s.EventCursor(ctx, f.ID); err != nil || c != "" {
		t.Errorf("EventCursor of a deleted flow = %q, %v; want it gone with the flow", c, err)
	}
}

func testDeadLetters(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := putFlow(t, s, "orders", "doc")
	other := putFlow(t, s, "refunds", "doc")
	base := ms(time.Now())
	add := func(id string, fl store.Flow, at time.Time) store.DeadLetter {
		d := store.DeadLetter{ID: id, Workspace: fl.Workspace, FlowID: fl.ID, RunID: newID(t),
			Source: "redis.stream", MessageID: "1-" + id, Record: json.RawMessage(`{"order":7}`),
			Error: "step 'save' failed", Attempts: 3, CreatedAt: at}
		if err := s.AddDeadLetter(ctx, d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	first := add(newID(t), f, base)
	add(newID(t), f, base.Add(time.Second))
	add(newID(t), other, base.Add(2*time.Second))
	// Adding the same one again (a retried handler) changes nothing.
	again := first
	again.Error = "changed"
	if err := s.AddDeadLetter(ctx, again); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetDeadLetter(ctx, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Error != first.Error || got.FlowName != "orders" || got.MessageID != first.MessageID ||
		got.Attempts != 3 || !got.CreatedAt.Equal(base) || string(got.Record) != `{"order":7}` && string(got.Record) != `{"order": 7}` {
		t.Errorf("GetDeadLetter = %+v; want %+v with flow name orders", got, first)
	}
	list, err := s.ListDeadLetters(ctx, store.DeadLetterFilter{FlowID: f.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].CreatedAt.Before(list[1].CreatedAt) {
		t.Fatalf("ListDeadLetters(flow) = %d letters, want 2, newest first", len(list))
	}
	if all, _ := s.ListDeadLetters(ctx, store.DeadLetterFilter{Limit: 1}); len(all) != 1 {
		t.Errorf("ListDeadLetters(limit 1) = %d letters", len(all))
	}
	if err := s.DeleteDeadLetter(ctx, first.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetDeadLetter(ctx, first.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetDeadLetter after delete: %v; want ErrNotFound", err)
	}
	if err := s.DeleteDeadLetter(ctx, first.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteDeadLetter twice: %v; want ErrNotFound", err)
	}
}
