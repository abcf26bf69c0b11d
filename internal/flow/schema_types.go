package flow

import (
	"github.com/invopop/jsonschema"
	orderedmap "github.com/pb33f/ordered-map/v2"
)

// JSONSchema describes OnError as one word or an object with an error
// branch. It is anyOf, not oneOf, so that validation errors point at the
// branch that matches the value's type.
func (OnError) JSONSchema() *jsonschema.Schema {
	props := orderedmap.New[string, *jsonschema.Schema]()
	props.Set("action", &jsonschema.Schema{
		Type:        "string",
		Enum:        []any{"fail", "skip", "continue"},
		Description: "fail (the default: the run fails), skip (drop the record), or continue (pass the record on unchanged).",
	})
	props.Set("steps", &jsonschema.Schema{
		Type:        "array",
		Items:       &jsonschema.Schema{Ref: "#/$defs/Step"},
		Description: "An error branch: failing records go through these steps, with the error readable as error.message and error.step. They do not rejoin the main line.",
	})
	return &jsonschema.Schema{
		Description: "What happens to a record when the step fails for it: fail, skip, continue, or an object with an error branch.",
		AnyOf: []*jsonschema.Schema{
			{Type: "string", Enum: []any{"fail", "skip", "continue"}},
			{Type: "object", Properties: props, AdditionalProperties: jsonschema.FalseSchema},
		},
	}
}
