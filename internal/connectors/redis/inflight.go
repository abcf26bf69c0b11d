package redis

import (
	"context"
	"sync"
)

// maxConcurrency bounds the stream trigger's concurrency, and so the
// goroutines delivering at once.
const maxConcurrency = 1000

// inflight runs up to a fixed number of deliveries at once. Delivering
// several entries at a time lets their runs share the store's commits;
// each still waits for its own run. The first delivery that fails stops
// the reading (onFail) and is what the listening returns.
type inflight struct {
	slots  chan struct{}
	wg     sync.WaitGroup
	once   sync.Once
	failed chan struct{} // closed by the first failure
	err    error         // set before failed is closed
	onFail func()
}

func newInflight(n int, onFail func()) *inflight {
	return &inflight{slots: make(chan struct{}, n), failed: make(chan struct{}), onFail: onFail}
}

// start runs work once a slot is free. It returns an error, and starts
// nothing, when a delivery failed or ctx ended before a slot was free.
func (f *inflight) start(ctx context.Context, work func() error) error {
	if err := f.failure(); err != nil {
		return err
	}
	select {
	case f.slots <- struct{}{}:
	case <-f.failed:
		return f.err
	case <-ctx.Done():
		return ctx.Err()
	}
	f.wg.Go(func() {
		defer func() { <-f.slots }()
		if err := work(); err != nil {
			f.fail(err)
		}
	})
	return nil
}

func (f *inflight) fail(err error) {
	f.once.Do(func() {
		f.err = err
		close(f.failed)
		f.onFail()
	})
}

// failure is the first failed delivery's error, or nil.
func (f *inflight) failure() error {
	select {
	case <-f.failed:
		return f.err
	default:
		return nil
	}
}

// wait waits for every delivery started and returns the first failure.
// Only the goroutine that calls start may call it.
func (f *inflight) wait() error {
	f.wg.Wait()
	return f.failure()
}
