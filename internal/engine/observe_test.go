package engine

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// seen is what an observer saw: per step and direction, the records as
// JSON when they were shown, and the records themselves.
type seen struct {
	snap map[string][]string
	recs map[string][]Record
}

func newSeen() *seen {
	return &seen{snap: map[string][]string{}, recs: map[string][]Record{}}
}

func (s *seen) observe(step string, in bool, rec Record) {
	key := step + " out"
	if in {
		key = step + " in"
	}
	b, err := json.Marshal(rec)
	if err != nil {
		panic(err)
	}
	s.snap[key] = append(s.snap[key], string(b))
	s.recs[key] = append(s.recs[key], rec)
}

// later is the records as JSON at the end of the run.
func (s *seen) later(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for key, recs := range s.recs {
		for _, rec := range recs {
			b, err := json.Marshal(rec)
			if err != nil {
				t.Fatal(err)
			}
			out[key] = append(out[key], string(b))
		}
	}
	return out
}

func TestObserve(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		flow  string
		input []Record
		want  map[string][]string
	}{
		{name: "top level and nested steps", flow: `
steps:
  - id: a
    set: {x: "{{ record.n * 10 }}"}
  - id: branch
    if:
      condition: record.n % 2 == 0
      then: [{id: even, set: {kind: even}}]
  - id: f
    filter: record.n < 3
  - id: b
    set: {x: 0, done: true}
`, input: []Record{{"n": 1}, {"n": 2}, {"n": 3}},
			want: map[string][]string{
				"a in":       {`{"n":1}`, `{"n":2}`, `{"n":3}`},
				"a out":      {`{"n":1,"x":10}`, `{"n":2,"x":20}`, `{"n":3,"x":30}`},
				"branch in":  {`{"n":1,"x":10}`, `{"n":2,"x":20}`, `{"n":3,"x":30}`},
				"even in":    {`{"n":2,"x":20}`},
				"even out":   {`{"kind":"even","n":2,"x":20}`},
				"branch out": {`{"n":1,"x":10}`, `{"kind":"even","n":2,"x":20}`, `{"n":3,"x":30}`},
				"f in":       {`{"n":1,"x":10}`, `{"kind":"even","n":2,"x":20}`, `{"n":3,"x":30}`},
				"f out":      {`{"n":1,"x":10}`, `{"kind":"even","n":2,"x":20}`},
				"b in":       {`{"n":1,"x":10}`, `{"kind":"even","n":2,"x":20}`},
				"b out":      {`{"done":true,"n":1,"x":0}`, `{"done":true,"kind":"even","n":2,"x":0}`},
			}},
		{name: "a record its condition skips leaves unchanged", flow: `
steps:
  - id: s
    when: record.n > 1
    set: {y: "{{ record.n }}"}
`, input: []Record{{"n": 1}, {"n": 2}},
			want: map[string][]string{"s in": {`{"n":1}`, `{"n":2}`}, "s out": {`{"n":1}`, `{"n":2,"y":2}`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSeen()
			// A batch of 2 makes the input longer than a batch, which
			// would run the leading steps on workers without an observer.
			p, _ := setup(t, tt.flow, Options{BatchSize: 2})
			in := Input{Records: slice(tt.input), Observe: s.observe}
			if _, err := p.Run(t.Context(), in, nil); err != nil {
				t.Fatalf("Run: %v", err)
			}
			if diff := cmp.Diff(tt.want, s.snap); diff != "" {
				t.Errorf("observed records (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(s.snap, s.later(t)); diff != "" {
				t.Errorf("observed records changed after they were shown (-shown +later):\n%s", diff)
			}
		})
	}
}
