package runner

import (
	"context"
	"encoding/json"
	"errors"
	"github.com/bistro-dev/bistro/internal/record"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bistro-dev/bistro/internal/engine"
	"github.com/bistro-dev/bistro/internal/store"
)

func TestOutputTruncates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		limit int
		n     int
		want  string
	}{
		{"fits", 100, 2, `[{"i":0},{"i":1}]`},
		{"cut", 20, 5, `[{"i":0},{"i":1},{"$truncated":{"limit_bytes":20,"omitted":3}}]`},
		{"none fit", 3, 2, `[{"$truncated":{"limit_bytes":3,"omitted":2}}]`},
		{"empty", 10, 0, `[]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := newOutput(tt.limit)
			for i := range tt.n {
				_ = o.add(engine.Record{"i": i})
			}
			if got := string(o.json()); got != tt.want {
				t.Errorf("json() = %s; want %s", got, tt.want)
			}
			list, _ := json.Marshal(o.list())
			if string(list) != tt.want {
				t.Errorf("list() = %s; want %s", list, tt.want)
			}
		})
	}
}

func TestRecordsFromInput(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{``, `[{}]`},
		{`{"a":1}`, `[{"a":1}]`},
		{`[{"a":1},2]`, `[{"a":1},{"value":2}]`},
		{`12345678901234567`, `[{"value":12345678901234567}]`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			v, err := decode([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(record.List(v))
			if string(got) != tt.want {
				t.Errorf("record.List(%s) = %s; want %s", tt.in, got, tt.want)
			}
		})
	}
	if _, err := decode([]byte(`{"a":`)); err == nil || !strings.Contains(err.Error(), "not valid JSON") {
		t.Errorf("broken input: %v; want a plain error", err)
	}
}

func TestConcurrencySnoozes(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, b.open(t), nil)
			fl := f.apply("bistro: 1\nname: one\nconcurrency: 1\ntrigger: { manual: {} }\nsteps:\n  - id: s\n    set: { a: 1 }\n")
			ctx := context.Background()
			run, err := f.StartRun(ctx, store.DefaultWorkspace, "one", nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			if !f.acquire(fl, 1, 0) {
				t.Fatal("the first slot was refused")
			}
			var se *store.SnoozeError
			if err := f.handle(ctx, run.ID); !errors.As(err, &se) || se.After <= 0 {
				t.Fatalf("handle with the flow at its concurrency = %v; want a snooze", err)
			}
			f.release(fl)
			if err := f.handle(ctx, run.ID); err != nil {
				t.Fatal(err)
			}
			if got, _ := f.store.GetRun(ctx, run.ID); got.Status != store.StatusSucceeded {
				t.Errorf("status after the slot freed = %s; want succeeded", got.Status)
			}
		})
	}
}

func TestDropSuccessData(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			keep := false
			f := setup(t, b.open(t), func(c *Config) { c.KeepSuccessData = &keep })
			fl := f.apply(syncHook)
			rep, err := f.Webhook(context.Background(), fl.WebhookID, post(`{"email":"x@corp.com"}`, nil))
			if err != nil {
				t.Fatal(err)
			}
			run, _ := f.store.GetRun(context.Background(), rep.RunID)
			if run.Status != store.StatusSucceeded || run.Output != nil {
				t.Errorf("run = %s with output %s; want succeeded without output", run.Status, run.Output)
			}
			body, _ := json.Marshal(rep.Body)
			if diff := cmp.Diff(`{"email":"x@corp.com","ok":true}`, string(body)); diff != "" {
				t.Errorf("reply body (-want +got):\n%s", diff)
			}
		})
	}
}
