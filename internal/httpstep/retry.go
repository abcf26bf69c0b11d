package httpstep

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/bistro-dev/bistro/internal/egress"
	"github.com/bistro-dev/bistro/internal/fault"
	"github.com/bistro-dev/bistro/internal/flow"
)

// maxRetryAfter caps how long a server's Retry-After can hold a run: a
// server asking for an hour should not park a worker for an hour.
const maxRetryAfter = 5 * time.Minute

// retryPolicy says how often and how patiently one request is retried.
type retryPolicy struct {
	attempts     int
	backoff, max time.Duration
	any          bool // retry every failure, not only transient ones
}

func compileRetry(r *flow.Retry) (retryPolicy, error) {
	p := retryPolicy{attempts: defaultAttempts, backoff: defaultBackoff, max: defaultMaxBackoff}
	if r == nil {
		return p, nil
	}
	if r.Attempts < 0 || r.Attempts > 100 {
		return p, fmt.Errorf("retry.attempts: %d is not between 1 and 100", r.Attempts)
	}
	if r.Attempts > 0 {
		p.attempts = r.Attempts
	}
	var err error
	if p.backoff, err = duration("retry.backoff", r.Backoff, defaultBackoff); err != nil {
		return p, err
	}
	if p.max, err = duration("retry.max_backoff", r.MaxBackoff, defaultMaxBackoff); err != nil {
		return p, err
	}
	switch r.On {
	case "", "transient":
	case "any":
		p.any = true
	default:
		return p, fmt.Errorf("retry.on: %q is not transient or any", r.On)
	}
	return p, nil
}

// retries reports whether err is worth another attempt. A refused address
// or an oversized answer will not change by asking again.
func (p retryPolicy) retries(err error) bool {
	if transient, _ := fault.IsTransient(err); transient {
		return true
	}
	return p.any && !egress.IsRefused(err) && !errors.Is(err, errTooLarge)
}

// delay is the wait before attempt+1: what the server asked for when it
// said, else exponential backoff with jitter so that many runs failing
// together do not come back together.
func (p retryPolicy) delay(attempt int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return min(retryAfter, maxRetryAfter)
	}
	d := p.backoff
	for i := 1; i < attempt && d < p.max; i++ {
		d *= 2
	}
	d = min(d, p.max)
	half := d / 2
	return half + rand.N(d-half+1)
}
