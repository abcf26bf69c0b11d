package flow

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bistro-dev/bistro/connector"
)

var update = flag.Bool("update", false, "rewrite golden files and docs/flow.schema.json")

// testOptions know one action and one environment variable, as a server
// configured by an admin would.
var testOptions = Options{
	AllowedEnv: []string{"CRM_TOKEN", "STRIPE_WEBHOOK_SECRET", "HOOK_TOKEN"},
	Actions:    func(name string) bool { return name == "postgres.upsert" || name == "chat.send" },
	Sources: func(name string) (connector.Trigger, bool) {
		switch name {
		case "redis.stream":
			return connector.Trigger{Name: "stream", Kind: connector.Push, Input: []connector.Field{
				{Name: "stream", Type: connector.String, Required: true, Help: "The stream to read."},
				{Name: "group", Type: connector.String, Help: "The consumer group."},
			}}, true
		case "postgres.new_row":
			return connector.Trigger{Name: "new_row", Kind: connector.Poll, Input: []connector.Field{
				{Name: "table", Type: connector.String, Required: true, Help: "The table to watch."},
			}}, true
		}
		return connector.Trigger{}, false
	},
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s is stale (-want +got; run go test -update):\n%s", path, diff)
	}
}

func TestInvalidFlows(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("testdata/invalid/*.yaml")
	jsonFiles, _ := filepath.Glob("testdata/invalid/*.json")
	files = append(files, jsonFiles...)
	if len(files) == 0 {
		t.Fatal("no test flows")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			_, diags := Load(filepath.Base(file), data, testOptions)
			if !diags.HasErrors() {
				t.Errorf("expected errors, got none")
			}
			golden(t, strings.TrimSuffix(file, filepath.Ext(file))+".golden", []byte(diags.Format(false)+"\n"))
		})
	}
}

func TestValidFlows(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("testdata/valid/*.yaml")
	if len(files) == 0 {
		t.Fatal("no test flows")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			doc, diags := Load(file, data, testOptions)
			if len(diags) > 0 {
				t.Fatalf("expected no problems, got:\n%s", diags.Format(false))
			}
			if doc.Flow == nil || len(doc.Flow.Steps) == 0 {
				t.Fatal("flow not decoded")
			}
		})
	}
}

func TestSchemaFileInSync(t *testing.T) {
	t.Parallel()
	golden(t, "../../docs/flow.schema.json", Schema())
}

func TestPosition(t *testing.T) {
	t.Parallel()
	src := "bistro: 1\nname: x\ntrigger: { manual: {} }\nsteps:\n  - id: a\n    set:\n      email: \"{{ record.x }}\"\n"
	doc, _ := Parse("f.yaml", []byte(src))
	tests := []struct {
		path string
		want Position
	}{
		{"bistro", Position{1, 9}},
		{"trigger.manual", Position{3, 20}},
		{"steps[0].id", Position{5, 9}},
		{"steps[0].set.email", Position{7, 14}},
		{"steps[0].set.missing", Position{7, 7}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			if got := doc.Position(tt.path); got != tt.want {
				t.Errorf("Position(%q) = %v, want %v", tt.path, got, tt.want)
			}
		})
	}
}

func TestParseAggregate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, fn, arg string
		ok          bool
	}{
		{"count()", "count", "", true},
		{" sum(record.amount) ", "sum", "record.amount", true},
		{"collect(record.id)", "collect", "record.id", true},
		{"count(record.x)", "", "", false},
		{"sum()", "", "", false},
		{"total(record.x)", "", "", false},
		{"record.amount", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			fn, arg, err := ParseAggregate(tt.in)
			if (err == nil) != tt.ok || fn != tt.fn || arg != tt.arg {
				t.Errorf("ParseAggregate(%q) = %q, %q, %v", tt.in, fn, arg, err)
			}
		})
	}
}

func TestDiagnosticsSortedAndError(t *testing.T) {
	t.Parallel()
	ds := Diagnostics{
		{File: "f", Line: 3, Column: 1, Message: "b"},
		{File: "f", Line: 1, Column: 5, Message: "a", Severity: SeverityWarning},
	}
	ds.Sort()
	if ds[0].Line != 1 || ds.Error() != "f:1:5: warning: a\nf:3:1: b" {
		t.Errorf("got %q", ds.Error())
	}
	if !ds.HasErrors() || ds[:1].HasErrors() {
		t.Error("HasErrors wrong")
	}
}

func FuzzParse(f *testing.F) {
	// Small seeds: every input the fuzzer finds new paths with is minimised
	// first, which takes time that grows with the square of its size.
	for _, dir := range []string{"testdata/valid", "testdata/invalid"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		for _, file := range files {
			if data, err := os.ReadFile(file); err == nil && !strings.HasSuffix(file, ".golden") && len(data) < 1000 {
				f.Add(data)
			}
		}
	}
	for _, k := range stepDocs {
		f.Add([]byte(wrapExample(k.example)))
	}
	// Small forms of the inputs that once made parsing slow.
	f.Add([]byte(aliasBomb()))
	f.Add([]byte("a: &a [*a, *a]\n"))
	f.Add([]byte(strings.Repeat("[", 200) + strings.Repeat("]", 200)))
	f.Add([]byte(strings.Repeat("{a: ", 200) + "1" + strings.Repeat("}", 200)))
	f.Add([]byte(strings.Repeat("- ", 200) + "x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, diags := Load("fuzz.yaml", data, testOptions)
		_ = diags.Format(true)
		if doc == nil {
			t.Fatal("nil document")
		}
	})
}

type fakeConnector connector.Spec

func (f fakeConnector) Spec() connector.Spec { return connector.Spec(f) }
func (fakeConnector) Open(context.Context, map[string]any, connector.Env) (connector.Conn, error) {
	return nil, nil
}

// TestWithConnectors: options filled from a connector finder accept its
// actions and sources and check a step's settings against the action.
func TestWithConnectors(t *testing.T) {
	t.Parallel()
	db := fakeConnector{Name: "db", Actions: []connector.Action{{Name: "insert", Input: []connector.Field{
		{Name: "table", Type: connector.String, Required: true, Help: "The table."}}}},
		Triggers: []connector.Trigger{{Name: "rows", Kind: connector.Poll}}}
	opts := Options{}.WithConnectors(func(name string) (connector.Connector, bool) { return db, name == "db" })
	src := "bistro: 1\nname: t\ntrigger: {event: {source: db.rows}}\nsteps:\n  - id: a\n    action: db.insert\n    with: {tabel: x}\n"
	_, diags := Load("t.yaml", []byte(src), opts)
	got := diags.Format(false)
	for _, want := range []string{"'table' is required", "there is no setting 'tabel'"} {
		if !strings.Contains(got, want) {
			t.Errorf("diagnostics lack %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "unknown event source") || strings.Contains(got, "unknown action") {
		t.Errorf("the finder's action or source was not found:\n%s", got)
	}
}

func TestConnectorNotAllowed(t *testing.T) {
	t.Parallel()
	db := fakeConnector{Name: "db", Actions: []connector.Action{{Name: "insert"}},
		Triggers: []connector.Trigger{{Name: "rows", Kind: connector.Poll}}}
	opts := Options{}.WithConnectors(func(name string) (connector.Connector, bool) { return db, name == "db" })
	var asked []string
	opts.Connector = func(id string) error {
		asked = append(asked, id)
		return fmt.Errorf("IT has blocked the connector '%s' in this workspace", id)
	}
	src := "bistro: 1\nname: t\ntrigger: {event: {source: db.rows}}\nsteps:\n" +
		"  - id: a\n    action: db.insert\n" +
		"  - id: b\n    http: {url: 'https://example.com'}\n"
	_, diags := Load("t.yaml", []byte(src), opts)
	got := diags.Format(false)
	for _, want := range []string{
		"t.yaml:3:27: the event trigger: IT has blocked the connector 'db'",
		"t.yaml:6:13: step 'a': IT has blocked the connector 'db'",
		"t.yaml:8:11: step 'b': IT has blocked the connector 'http'",
		"bistro connectors request db",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("diagnostics lack %q:\n%s", want, got)
		}
	}
	if strings.Join(asked, ",") != "db,db,http" {
		t.Errorf("asked about %v", asked)
	}
}

func TestFlowConnectors(t *testing.T) {
	t.Parallel()
	src := `bistro: 1
name: t
trigger: {event: {source: redis.stream}}
steps:
  - id: a
    if:
      condition: "true"
      then:
        - {id: b, action: chat.send}
      else:
        - id: c
          for_each:
            items: record.x
            steps:
              - {id: d, http: {url: "https://example.com"}}
  - id: e
    action: postgres.insert
    on_error:
      steps:
        - {id: f, action: email.send}
`
	doc, diags := Parse("t.yaml", []byte(src))
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if got := strings.Join(doc.Flow.Connectors(), ","); got != "chat,email,http,postgres,redis" {
		t.Errorf("connectors: %s", got)
	}
}
