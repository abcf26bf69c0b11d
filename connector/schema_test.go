package connector_test

import (
	"encoding/json"
	"testing"

	"github.com/bistro-dev/bistro/connector"
)

func TestConfigSchema(t *testing.T) {
	t.Parallel()
	got, err := json.MarshalIndent(crm.ConfigSchema(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "crm_config.schema.json", string(got)+"\n")
}

func TestInputSchema(t *testing.T) {
	t.Parallel()
	a, ok := crm.Action("upsert_contact")
	if !ok {
		t.Fatal("upsert_contact not found")
	}
	got, err := json.MarshalIndent(a.InputSchema(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "crm_upsert_contact.schema.json", string(got)+"\n")
}

func TestMarkdown(t *testing.T) {
	t.Parallel()
	golden(t, "crm.md", crm.Markdown())
}

func TestFieldSchemaTypes(t *testing.T) {
	t.Parallel()
	text := &connector.Field{Type: connector.String, Help: "x"}
	tests := []struct {
		field connector.Field
		want  string
	}{
		{connector.Field{Type: connector.Int}, `{"type":"integer"}`},
		{connector.Field{Type: connector.Number}, `{"type":"number"}`},
		{connector.Field{Type: connector.Bool, Default: true}, `{"default":true,"type":"boolean"}`},
		{connector.Field{Type: connector.Text, Since: "1.2.0"}, `{"type":"string","x-since":"1.2.0"}`},
		{connector.Field{Type: connector.Enum, Enum: []string{"a", "b"}}, `{"enum":["a","b"],"type":"string"}`},
		{connector.Field{Type: connector.List, Items: text}, `{"items":{"description":"x","type":"string"},"type":"array"}`},
		{connector.Field{Type: connector.Object, Items: text}, `{"additionalProperties":{"description":"x","type":"string"},"type":"object"}`},
		{connector.Field{Type: connector.Any}, `{}`},
	}
	for _, tt := range tests {
		t.Run(string(tt.field.Type), func(t *testing.T) {
			t.Parallel()
			tt.field.Name = "f"
			schema := connector.Action{Input: []connector.Field{tt.field}}.InputSchema()
			got, _ := json.Marshal(schema["properties"].(map[string]any)["f"])
			if string(got) != tt.want {
				t.Errorf("schema = %s, want %s", got, tt.want)
			}
		})
	}
}
