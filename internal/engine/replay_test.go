package engine

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// replayCase is a recorded run: a flow, its trigger, env and input.
type replayCase struct {
	Flow    string            `yaml:"flow"`
	Trigger map[string]any    `yaml:"trigger"`
	Env     map[string]string `yaml:"env"`
	Input   []Record          `yaml:"input"`
	Flows   map[string]string `yaml:"flows"` // flows that call steps may load
}

// TestReplay runs every recorded flow under testdata/replay and compares
// the whole result and output with the golden JSON next to it, so that an
// engine change cannot silently change how existing flows behave. Run with
// -update to record new behaviour on purpose.
func TestReplay(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/replay/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no replay cases found (%v)", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			got := replay(t, file)
			golden := strings.TrimSuffix(file, ".yaml") + ".golden.json"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(want, got) {
				t.Errorf("the run of %s changed; if that is intended, run with -update.\ngot:\n%s", file, got)
			}
		})
	}
}

func replay(t *testing.T, file string) []byte {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var rc replayCase
	if err := yaml.Unmarshal(data, &rc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	p, _ := setup(t, rc.Flow, Options{Env: rc.Env, Flows: &loader{flows: rc.Flows}, BatchSize: 3})
	// Input and trigger arrive as JSON in real runs: numbers are float64.
	var in struct {
		Trigger map[string]any
		Input   []Record
	}
	roundTrip(t, map[string]any{"Trigger": rc.Trigger, "Input": rc.Input}, &in)
	out, res, _ := runAll(p, in.Trigger, in.Input)
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(map[string]any{"result": res, "output": out}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func roundTrip(t *testing.T, v, into any) {
	t.Helper()
	data, err := json.Marshal(v)
	if err == nil {
		err = json.Unmarshal(data, into)
	}
	if err != nil {
		t.Fatal(err)
	}
}
