// Package crashtest kills a real bistro server process again and again
// while it takes work, and checks afterwards that nothing acknowledged was
// lost and nothing ran twice. Server starts, kills and restarts the built
// binary on one data directory; the tests drive it over HTTP as a caller
// would.
package crashtest
