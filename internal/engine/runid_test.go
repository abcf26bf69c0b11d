package engine

import (
	"context"
	"testing"
)

func TestRunIDFromInput(t *testing.T) {
	t.Parallel()
	p, _ := setup(t, "bistro: 1\nname: ids\ntrigger: { manual: {} }\nsteps:\n  - id: tag\n    set: { run: \"{{ run.id }}\" }\n", Options{})
	var got []Record
	res, err := p.Run(context.Background(), Input{RunID: "run-42"}, func(r Record) error {
		got = append(got, r)
		return nil
	})
	if err != nil || res.RunID != "run-42" || len(got) != 1 || got[0]["run"] != "run-42" {
		t.Fatalf("run id not taken from the input: res %+v, records %v, err %v", res, got, err)
	}
}
