package runner

import (
	"encoding/json"

	"github.com/bistro-dev/bistro/internal/engine"
	"github.com/bistro-dev/bistro/internal/redact"
)

// stepRecords collects, through the engine's observer, the first records
// in and out of each step, up to the output size limit per step and
// direction, so that run history shows what each step did.
type stepRecords struct {
	limit   int
	in, out map[string]*output
}

func newStepRecords(limit int) *stepRecords {
	return &stepRecords{limit: limit, in: map[string]*output{}, out: map[string]*output{}}
}

// observe is the engine observer: it runs on the run's goroutine.
func (s *stepRecords) observe(step string, in bool, rec engine.Record) {
	m := s.out
	if in {
		m = s.in
	}
	o := m[step]
	if o == nil {
		o = newOutput(s.limit)
		o.onlyJSON = true
		m[step] = o
	}
	_ = o.add(rec) // add never fails: a record too big is counted as left out
}

// scrub hides secret values in the collected records.
func (s *stepRecords) scrub(f *redact.Filter) {
	if s == nil {
		return
	}
	for _, m := range []map[string]*output{s.in, s.out} {
		for _, o := range m {
			o.scrub(f)
		}
	}
}

// json returns a step's records in and out as JSON lists: nil when none
// were kept, and an empty list for a step that no record reached.
func (s *stepRecords) json(step string) (in, out json.RawMessage) {
	if s == nil {
		return nil, nil
	}
	return s.list(s.in, step), s.list(s.out, step)
}

func (s *stepRecords) list(m map[string]*output, step string) json.RawMessage {
	if o := m[step]; o != nil {
		return o.json()
	}
	return json.RawMessage("[]")
}
