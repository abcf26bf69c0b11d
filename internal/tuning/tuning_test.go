package tuning

import (
	"runtime/debug"
	"testing"
)

// Not parallel: the GC percent is process-wide.
func TestApply(t *testing.T) {
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)

	Apply(func(string) (string, bool) { return "", false })
	if got := debug.SetGCPercent(100); got != GCPercent {
		t.Errorf("without GOGC the GC percent is %d, want %d", got, GCPercent)
	}
	Apply(func(name string) (string, bool) { return "50", name == "GOGC" })
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("with GOGC set the GC percent was changed to %d", got)
	}
}
