package engine

// Resumable reports whether a run of the plan can be resumed after the
// records it has finished: every step handles each record on its own. A
// step that holds records (sort, group, dedupe, join, a bulk action's
// batch), counts them (limit), stops the run or answers a webhook makes a
// run start again from its first record instead.
func (p *Plan) Resumable() bool { return resumable(p.steps) }

func resumable(steps []*step) bool {
	for _, s := range steps {
		switch k := s.kind.(type) {
		case *setKind, *filterKind, *textKind, *choiceKind, *forEachKind, *splitKind, *callKind, *httpKind:
		case *actionKind:
			if k.spec.Batch {
				return false
			}
		default:
			return false
		}
		if !resumable(s.errSteps) {
			return false
		}
		if n, ok := s.kind.(nested); ok {
			for _, sub := range n.children() {
				if !resumable(sub) {
					return false
				}
			}
		}
	}
	return true
}

// From starts a run again at a step for one record: the record a failed
// run failed on, as it reached that step.
type From struct {
	// Step is the id of the step; a step inside a branch or loop starts
	// at the top-level step that holds it.
	Step string
	// Record is the record as it reached the step.
	Record Record
	// Index is the record's number in the first run's input.
	Index int
}

// StartIndex returns the position of the top-level step that is or holds
// the step id, and whether there is one.
func (p *Plan) StartIndex(id string) (int, bool) {
	for i, s := range p.steps {
		if contains([]*step{s}, id) {
			return i, true
		}
	}
	return 0, false
}

func contains(steps []*step, id string) bool {
	for _, s := range steps {
		if s.id == id || contains(s.errSteps, id) {
			return true
		}
		if n, ok := s.kind.(nested); ok {
			for _, sub := range n.children() {
				if contains(sub, id) {
					return true
				}
			}
		}
	}
	return false
}
