package api

import (
	"fmt"
	"time"
)

// retryAfterSeconds rounds up so that a caller never comes back too early.
func retryAfterSeconds(d time.Duration) string {
	s := int((d + time.Second - 1) / time.Second)
	return fmt.Sprint(max(s, 1))
}
