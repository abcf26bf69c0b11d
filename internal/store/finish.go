package store

import "context"

// Finish is the outcome of one run: its steps and the update that makes
// it final.
type Finish struct {
	Steps  []Step
	Update RunUpdate
}

// RunFinisher records the outcomes of many runs in one transaction, so
// that workers finishing runs at the same time share a commit. Backends
// implement it next to RunStore; the runner checks for it.
type RunFinisher interface {
	// FinishRuns applies each update as UpdateRun does and saves the
	// steps of the runs it updated, all in one transaction. errs[i] is
	// the outcome of finishes[i] (ErrFinished when the run was final
	// already: its steps are then not saved); err is a failure of the
	// whole transaction, when nothing was written.
	FinishRuns(ctx context.Context, finishes []Finish) (errs []error, err error)
}
