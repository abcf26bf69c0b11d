package flow

import (
	"os"
	"testing"
)

// BenchmarkLoad measures parsing and validating a flow with every step
// kind: the fuzzer's speed, and what saving a flow in the editor costs.
func BenchmarkLoad(b *testing.B) {
	data, err := os.ReadFile("testdata/valid/every_kind.yaml")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, diags := Load("every_kind.yaml", data, testOptions); len(diags) > 0 {
			b.Fatal(diags)
		}
	}
}
