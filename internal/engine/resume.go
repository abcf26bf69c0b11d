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
