package engine

import (
	"fmt"
	"iter"
	"runtime"
	"sync"

	"github.com/bistro-dev/bistro/internal/expr"
)

// Inputs longer than one batch run in parallel where that is safe: the
// input is read on its own goroutine, and the leading run of pure steps
// (set, filter and split without retry, on_error or side effects) runs on
// one worker per CPU, batch by batch. The run's goroutine takes the
// batches back in input order and pushes them through the remaining
// steps, so the output, the stats and the first error are the same as in a
// serial run. At most a few batches per worker are in flight.

// parallelPrefix counts the leading main-line steps that may run on workers.
func parallelPrefix(steps []*step) int {
	for i, s := range steps {
		switch s.kind.(type) {
		case *setKind, *filterKind, *splitKind:
		default:
			return i
		}
		if s.retry != nil || s.onError != "fail" {
			return i
		}
	}
	return len(steps)
}

// job is one batch on its way through the workers.
type job struct {
	items   []item
	out     []item
	stats   []StepStats // what the workers' steps did for this batch
	err     error
	readErr error // the input failing after these items
	done    chan struct{}
}

// feedParallel runs the input through the plan. It reads the first batch
// itself; only a longer input starts the goroutines.
func (r *run) feedParallel(in Input, prefix int, tail sink) error {
	next, stop := iter.Pull2(in.Records)
	first, ended, readErr := r.readBatch(next, 0)
	if ended {
		stop()
		head := r.chain(r.plan.steps[:prefix], tail)
		if err := r.pushInput(head, first); err != nil || readErr != nil {
			return firstErr(err, readErr)
		}
		return nil
	}
	return r.runWorkers(next, stop, first, prefix, tail)
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// readBatch pulls up to one batch; ended says the input has no more.
func (r *run) readBatch(next func() (Record, error, bool), read int) ([]item, bool, error) {
	batch := make([]item, 0, r.batchSize)
	for len(batch) < r.batchSize {
		rec, err, ok := next()
		if !ok {
			return batch, true, nil
		}
		read++
		if err != nil {
			return batch, true, &StepError{Step: "input", Index: read, Attempts: 1,
				Err: fmt.Errorf("the input record could not be read: %w", err)}
		}
		if rec == nil {
			rec = Record{}
		}
		batch = append(batch, item{rec: rec, index: read})
	}
	return batch, false, nil
}

func (r *run) runWorkers(next func() (Record, error, bool), stop func(), first []item, prefix int, tail sink) error {
	workers := runtime.GOMAXPROCS(0)
	jobs := make(chan *job, workers)
	order := make(chan *job, 2*workers)
	quit := make(chan struct{})
	var wg sync.WaitGroup
	shadows := make([]*run, workers)
	for i := range shadows {
		shadows[i] = r.shadow()
		wg.Go(func() { shadows[i].work(jobs, prefix) })
	}
	wg.Go(func() {
		defer stop()
		r.read(next, first, jobs, order, quit)
	})
	err := r.collect(order, tail)
	close(quit)
	for range order { // let the reader finish
	}
	wg.Wait()
	return err
}

// read hands batches to the workers and, in the same order, to collect.
func (r *run) read(next func() (Record, error, bool), first []item, jobs, order chan<- *job, quit <-chan struct{}) {
	defer close(order)
	defer close(jobs)
	batch, ended, readErr, read := first, false, error(nil), len(first)
	for {
		j := &job{items: batch, readErr: readErr, done: make(chan struct{})}
		select {
		case order <- j:
		case <-quit:
			return
		}
		select {
		case jobs <- j:
		case <-quit:
			close(j.done)
			return
		}
		if ended || r.ctx.Err() != nil || closed(quit) {
			return
		}
		batch, ended, readErr = r.readBatch(next, read)
		read += len(batch)
		if len(batch) == 0 && readErr == nil {
			return
		}
	}
}

// collect takes the batches back in order and pushes them on. Only the
// stats of batches taken back count: workers may have read ahead of a stop.
func (r *run) collect(order <-chan *job, tail sink) error {
	for j := range order {
		<-j.done
		for i, st := range j.stats {
			r.stats[i].In += st.In
			r.stats[i].Out += st.Out
			r.stats[i].Failed += st.Failed
			r.stats[i].Skipped += st.Skipped
		}
		if err := firstErr(r.ctx.Err(), j.err); err != nil {
			return err
		}
		if len(j.out) > 0 {
			if err := tail.push(j.out); err != nil {
				return err
			}
		}
		if j.readErr != nil {
			return j.readErr
		}
		if r.stopped || r.inputDone {
			return nil
		}
	}
	// The reader also stops early when ctx ends; the batches it took
	// back were fine, but the run was cut short.
	return r.ctx.Err()
}

// shadow is a worker's own view of the run: its own variables and stats.
// The pure steps it runs touch nothing else of the run.
func (r *run) shadow() *run {
	s := *r
	s.vars = make(expr.Vars, len(r.vars))
	for k, v := range r.vars {
		s.vars[k] = v
	}
	s.bound = [3]bool{}
	s.stats = make([]StepStats, len(r.stats))
	s.res = &Result{RunID: r.res.RunID}
	return &s
}

// work runs the pure steps over the jobs it is given.
func (r *run) work(jobs <-chan *job, prefix int) {
	out := &jobSink{}
	head := r.chain(r.plan.steps[:prefix], out)
	for j := range jobs {
		out.j = j
		clear(r.stats)
		if err := r.ctx.Err(); err != nil {
			j.err = err
		} else {
			j.err = head.push(j.items)
		}
		j.stats = append([]StepStats(nil), r.stats[:prefix]...)
		clear(j.items)
		close(j.done)
	}
}

// jobSink collects a worker's output for the current job.
type jobSink struct{ j *job }

func (s *jobSink) push(batch []item) error {
	s.j.out = append(s.j.out, batch...)
	return nil
}

func (*jobSink) flush() error { return nil }

func closed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
