package connector

// schemaDialect is the JSON Schema version of the schemas the kit derives.
const schemaDialect = "https://json-schema.org/draft/2020-12/schema"

// durationPattern matches Go durations such as 30s, 1.5h or 1h30m, which is
// what Bistro reads; JSON Schema's own "duration" format is ISO 8601.
const durationPattern = `^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`

// ConfigSchema is the JSON Schema of a connection's settings. Secret fields
// are marked writeOnly: the API accepts them and never returns them.
func (s Spec) ConfigSchema() map[string]any {
	schema := objectSchema(s.Config)
	schema["$schema"] = schemaDialect
	schema["title"] = s.Title + " connection"
	if s.Description != "" {
		schema["description"] = s.Description
	}
	return schema
}

// InputSchema is the JSON Schema of the action's input (a step's "with").
func (a Action) InputSchema() map[string]any {
	schema := objectSchema(a.Input)
	schema["$schema"] = schemaDialect
	schema["title"] = a.Title
	if a.Description != "" {
		schema["description"] = a.Description
	}
	return schema
}

func objectSchema(fields []Field) map[string]any {
	props := map[string]any{}
	required := []string{}
	for _, f := range fields {
		props[f.Name] = f.schema()
		if f.Required {
			required = append(required, f.Name)
		}
	}
	schema := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		schema["required"] = required
	}
	return schema
}

// schema is the field's JSON Schema, with its docs attached so forms can
// show them.
func (f Field) schema() map[string]any {
	s := f.typeSchema()
	if f.Help != "" {
		s["description"] = f.Help
	}
	if f.Default != nil {
		s["default"] = f.Default
	}
	if f.Example != nil {
		s["examples"] = []any{f.Example}
	}
	if f.Secret {
		s["writeOnly"] = true
	}
	if f.Since != "" {
		s["x-since"] = f.Since
	}
	return s
}

func (f Field) typeSchema() map[string]any {
	switch f.Type {
	case String, Text:
		return map[string]any{"type": "string"}
	case Int:
		return map[string]any{"type": "integer"}
	case Number:
		return map[string]any{"type": "number"}
	case Bool:
		return map[string]any{"type": "boolean"}
	case Duration:
		return map[string]any{"type": "string", "pattern": durationPattern}
	case Enum:
		values := make([]any, len(f.Enum))
		for i, v := range f.Enum {
			values[i] = v
		}
		return map[string]any{"type": "string", "enum": values}
	case List:
		s := map[string]any{"type": "array"}
		if f.Items != nil {
			s["items"] = f.Items.schema()
		}
		return s
	case Object:
		return f.objectTypeSchema()
	default:
		return map[string]any{}
	}
}

func (f Field) objectTypeSchema() map[string]any {
	if len(f.Fields) > 0 {
		return objectSchema(f.Fields)
	}
	s := map[string]any{"type": "object"}
	if f.Items != nil {
		s["additionalProperties"] = f.Items.schema()
	}
	return s
}
