package fault_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/internal/fault"
)

func TestIsTransientKnowsConnectorErrors(t *testing.T) {
	t.Parallel()
	cause := errors.New("boom")
	tests := []struct {
		name      string
		err       error
		transient bool
		after     time.Duration
	}{
		{"retryable with delay", connector.Retryable(cause, 3*time.Second), true, 3 * time.Second},
		{"retryable wrapped", fmt.Errorf("upsert: %w", connector.Retryable(cause, 0)), true, 0},
		{"not connected", fmt.Errorf("dial: %w", connector.ErrNotConnected), true, 0},
		{"permanent", connector.Permanent(cause), false, 0},
		{"permanent sentinel", fmt.Errorf("bad table: %w", connector.ErrPermanent), false, 0},
		{"fault class wins", fault.Permanent(connector.Retryable(cause, time.Second)), false, 0},
		{"plain", cause, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			transient, after := fault.IsTransient(tt.err)
			if transient != tt.transient || after != tt.after {
				t.Errorf("IsTransient = %v, %v; want %v, %v", transient, after, tt.transient, tt.after)
			}
		})
	}
}
