package engine

import (
	"context"
	"fmt"
	"iter"
	"strings"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/internal/clock/clocktest"
	"github.com/bistro-dev/bistro/internal/flow"
)

// epoch is the fake clock's start, so run.started_at is stable.
var epoch = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)

// parseFlow reads a flow written in YAML. Without a header, src is taken to
// be the body after a standard header (bistro, name, manual trigger).
func parseFlow(t testing.TB, src string) *flow.Document {
	t.Helper()
	if !strings.Contains(src, "bistro:") {
		src = "bistro: 1\nname: test\ntrigger: {manual: {}}\n" + src
	}
	doc, diags := flow.Parse("test.yaml", []byte(src))
	if doc.Flow == nil || diags.HasErrors() {
		t.Fatalf("the test flow does not parse:\n%s\n%s", diags.Format(false), src)
	}
	return doc
}

// parseFlowLoose reads a flow that need not validate: Compile must catch
// what the validator would.
func parseFlowLoose(t testing.TB, src string) *flow.Document {
	t.Helper()
	doc, diags := flow.Parse("test.yaml", []byte("bistro: 1\nname: test\ntrigger: {manual: {}}\n"+src))
	if doc.Flow == nil {
		t.Fatalf("the test flow does not parse:\n%s", diags.Format(false))
	}
	return doc
}

// setup compiles a flow with deterministic ids, no jitter and a fake clock.
func setup(t testing.TB, src string, opts Options) (*Plan, *clocktest.Fake) {
	t.Helper()
	fake := clocktest.New(epoch)
	if opts.Clock == nil {
		opts.Clock = fake
	}
	p, err := Compile(parseFlow(t, src), opts)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	deterministic(p)
	return p, fake
}

func deterministic(p *Plan) {
	n := 0
	p.newID = func() string { n++; return fmt.Sprintf("run-%d", n) }
	p.random = func() float64 { return 1 }
}

// runAll runs a plan and collects its output.
func runAll(p *Plan, trigger map[string]any, records []Record) ([]Record, *Result, error) {
	in := Input{Trigger: trigger}
	if records != nil {
		in.Records = slice(records)
	}
	out := []Record{}
	res, err := p.Run(context.Background(), in, func(r Record) error {
		out = append(out, r)
		return nil
	})
	return out, res, err
}

func slice(records []Record) iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		for _, r := range records {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// generate yields n records {i, key, amount} without holding them, and
// counts how many were pulled.
func generate(n int, pulled *int) iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		for i := range n {
			if pulled != nil {
				*pulled++
			}
			if !yield(Record{"i": i, "key": fmt.Sprintf("k%d", i%100), "amount": i % 1000}, nil) {
				return
			}
		}
	}
}

// loader is a fake FlowLoader over flows in memory; fail and panics let
// tests break it on purpose.
type loader struct {
	flows map[string]string
	fail  func(name string) error
	calls int
}

func (l *loader) Load(_ context.Context, _ *flow.Document, name string) (*flow.Document, error) {
	l.calls++
	if l.fail != nil {
		if err := l.fail(name); err != nil {
			return nil, err
		}
	}
	src, ok := l.flows[name]
	if !ok {
		return nil, fmt.Errorf("there is no flow called %s", name)
	}
	doc, diags := flow.Parse(name, []byte(src))
	if diags.HasErrors() {
		return nil, diags
	}
	return doc, nil
}
