// Package tuning holds the runtime settings the bistro binary runs with,
// so that benchmarks measure the engine as the product runs it.
package tuning

import "runtime/debug"

// GCPercent is the garbage collector's target the binary sets when GOGC is
// not set. Records are short-lived and the live heap is small (a batch per
// step), so at Go's default of 100 the collector ran every few megabytes
// and took about a quarter of a million-record run; at 400 the heap may
// grow to five times what is live (tens of MB here) and that time mostly
// goes away (docs/benchmarks.md).
const GCPercent = 400

// Apply sets GCPercent unless the GOGC environment variable says
// otherwise; lookup reads the environment.
func Apply(lookup func(string) (string, bool)) {
	if _, set := lookup("GOGC"); set {
		return
	}
	debug.SetGCPercent(GCPercent)
}
