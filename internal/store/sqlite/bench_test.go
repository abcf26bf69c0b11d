package sqlite_test

import (
	"testing"

	"github.com/bistro-dev/bistro/internal/store"
	"github.com/bistro-dev/bistro/internal/store/storetest"
)

// BenchmarkCreateRuns runs the shared store benchmark on this backend.
func BenchmarkCreateRuns(b *testing.B) {
	storetest.BenchmarkCreateRuns(b, func(b *testing.B) store.Store { return open(b) })
}
