package clocktest

import (
	"context"
	"errors"
	"testing"
	"time"
)

var start = time.Date(2026, 7, 10, 8, 0, 0, 0, time.UTC)

func TestManualSleepWakesOnAdvance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		sleep   time.Duration
		advance []time.Duration
	}{
		{"one step", time.Minute, []time.Duration{time.Minute}},
		{"past the deadline", time.Minute, []time.Duration{time.Hour}},
		{"in steps", time.Minute, []time.Duration{20 * time.Second, 20 * time.Second, 20 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := NewManual(start)
			done := make(chan error, 1)
			go func() { done <- m.Sleep(context.Background(), tt.sleep) }()
			if err := m.WaitSleeper(t.Context(), start.Add(tt.sleep)); err != nil {
				t.Fatal(err)
			}
			for i, d := range tt.advance {
				select {
				case err := <-done:
					t.Fatalf("Sleep returned %v before advance %d", err, i)
				default:
				}
				m.Advance(d)
			}
			if err := <-done; err != nil {
				t.Fatalf("Sleep() = %v", err)
			}
			if got := len(m.Sleepers()); got != 0 {
				t.Fatalf("%d sleepers left", got)
			}
		})
	}
}

func TestManualSleepCancelled(t *testing.T) {
	t.Parallel()
	m := NewManual(start)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- m.Sleep(ctx, time.Hour) }()
	if err := m.WaitSleepers(t.Context(), func(ds []time.Time) bool { return len(ds) == 1 }); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep() = %v, want context.Canceled", err)
	}
	if err := m.WaitSleepers(t.Context(), func(ds []time.Time) bool { return len(ds) == 0 }); err != nil {
		t.Fatal(err)
	}
	if !m.Now().Equal(start) {
		t.Fatalf("Now() = %v, want the start time", m.Now())
	}
}

func TestManualAdvanceToNeverGoesBack(t *testing.T) {
	t.Parallel()
	m := NewManual(start)
	m.AdvanceTo(start.Add(-time.Hour))
	if !m.Now().Equal(start) {
		t.Fatalf("Now() = %v after moving back, want %v", m.Now(), start)
	}
	m.AdvanceTo(start.Add(time.Hour))
	if want := start.Add(time.Hour); !m.Now().Equal(want) {
		t.Fatalf("Now() = %v, want %v", m.Now(), want)
	}
	if err := m.Sleep(context.Background(), 0); err != nil {
		t.Fatalf("Sleep(0) = %v", err)
	}
}
