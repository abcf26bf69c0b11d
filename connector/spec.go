// Package connector is the kit for writing Bistro connectors: the typed spec
// a connector declares (its configuration, actions, triggers and the
// endpoints it contacts) and the interface the engine calls.
//
// The spec is the one source for everything derived from a connector:
// validation of a connection's settings and of an action's input, the JSON
// Schema the API and the web forms use, and the generated reference docs.
// A connector declares its spec in code next to its constructor; the list of
// built-in connectors is explicit (nothing registers itself on import).
package connector

// Type is the kind of value a field holds.
type Type string

// The field types. A form, the JSON Schema and validation all read them.
const (
	String   Type = "string"   // text on one line
	Text     Type = "text"     // text that may span lines
	Int      Type = "int"      // a whole number
	Number   Type = "number"   // any number
	Bool     Type = "bool"     // true or false
	Duration Type = "duration" // a length of time such as 30s, 5m or 1h30m
	Enum     Type = "enum"     // one of Field.Enum
	List     Type = "list"     // a list of Field.Items
	Object   Type = "object"   // named values: Field.Fields, or any names when empty
	Any      Type = "any"      // any JSON value
)

// Spec describes a connector. Its Name is the namespace of its actions: the
// action "upsert" of the connector "postgres" is called "postgres.upsert" in
// a flow.
type Spec struct {
	// Name is the connector's id: lower case letters, digits and
	// underscores, e.g. "postgres".
	Name string `json:"name"`
	// Title is the name people read, e.g. "PostgreSQL".
	Title string `json:"title"`
	// Version is the version of the connector's spec, e.g. "1.0.0".
	Version string `json:"version"`
	// Category groups connectors in lists, e.g. "database" or "web".
	Category string `json:"category"`
	// Description says in one or two sentences what the connector is for.
	Description string `json:"description"`
	// BuiltIn is set for connectors that run inside Bistro as their own
	// step kind (the HTTP step) rather than through "action:"; their
	// Config, if any, is what a step may take from a connection.
	BuiltIn bool `json:"built_in,omitempty"`
	// Config are the settings of a connection.
	Config []Field `json:"config,omitempty"`
	// Actions are what a flow step can do with the connector.
	Actions []Action `json:"actions,omitempty"`
	// Triggers are the ways the connector can start a run.
	Triggers []Trigger `json:"triggers,omitempty"`
	// Endpoints say where in the settings the hosts the connector
	// contacts are, so policy can allow or refuse them.
	Endpoints []Endpoint `json:"endpoints,omitempty"`
}

// Field is one setting of a connection or one input of an action.
type Field struct {
	// Name is the setting's key, e.g. "host".
	Name string `json:"name"`
	// Type is the kind of value.
	Type Type `json:"type"`
	// Required fields must be given.
	Required bool `json:"required,omitempty"`
	// Secret fields (passwords, tokens) are stored encrypted, never shown
	// again once saved, and have neither a default nor an example.
	Secret bool `json:"secret,omitempty"`
	// Default is the value used when the field is not given.
	Default any `json:"default,omitempty"`
	// Enum are the allowed values of an Enum field.
	Enum []string `json:"enum,omitempty"`
	// Example is a value shown in forms and docs.
	Example any `json:"example,omitempty"`
	// Help says what the field is for, in plain words.
	Help string `json:"help"`
	// Since is the connector version that added the field.
	Since string `json:"since,omitempty"`
	// Items describes the elements of a List field.
	Items *Field `json:"items,omitempty"`
	// Fields are the named values of an Object field; empty allows any
	// names, each value described by Items when set.
	Fields []Field `json:"fields,omitempty"`
}

// Action is something a step can do with a connector.
type Action struct {
	// Name is the action's id within its connector, e.g. "upsert".
	Name string `json:"name"`
	// Title is the name people read, e.g. "Insert or update rows".
	Title string `json:"title"`
	// Description says what the action does.
	Description string `json:"description"`
	// Input are the step's settings (its "with").
	Input []Field `json:"input,omitempty"`
	// Output says which records the action emits.
	Output string `json:"output"`
	// SideEffects is set when the action changes something outside
	// Bistro (writes, sends); such actions are not retried blindly.
	SideEffects bool `json:"side_effects"`
	// Idempotent is set when the action accepts an idempotency key, so a
	// retried attempt does not repeat its effect.
	Idempotent bool `json:"idempotent"`
	// Batch is set when the action takes many records at once (a bulk
	// load): the engine collects up to the step's batch size of records
	// and calls the connection's DoBatch, which writes all or none.
	Batch bool `json:"batch,omitempty"`
}

// TriggerKind says how a trigger learns about new data.
type TriggerKind string

// The trigger kinds.
const (
	Poll TriggerKind = "poll" // Bistro asks on a schedule
	Push TriggerKind = "push" // the remote side sends it
)

// Trigger is a way a connector starts runs.
type Trigger struct {
	// Name is the trigger's id within its connector, e.g. "new_row".
	Name string `json:"name"`
	// Kind is poll or push.
	Kind TriggerKind `json:"kind"`
	// Title is the name people read.
	Title string `json:"title"`
	// Description says when the trigger starts a run.
	Description string `json:"description"`
	// Input are the trigger's settings.
	Input []Field `json:"input,omitempty"`
	// Output says what each record of a run holds.
	Output string `json:"output"`
}

// EndpointFormat says how a setting names a host.
type EndpointFormat string

// The endpoint formats.
const (
	URLEndpoint  EndpointFormat = "url"  // an address such as https://api.example.com/v1
	HostEndpoint EndpointFormat = "host" // a host name or host:port
)

// Endpoint says which setting holds a host the connector contacts.
type Endpoint struct {
	// Field is the setting's name; nested settings are joined with dots.
	Field string `json:"field"`
	// Action, when set, reads Field from that action's input instead of
	// the connection's settings.
	Action string `json:"action,omitempty"`
	// Format is how the setting names the host.
	Format EndpointFormat `json:"format"`
	// DefaultPort is the port used when the setting gives none.
	DefaultPort int `json:"default_port,omitempty"`
}

// ID is the name a flow uses for the action, e.g. "postgres.upsert".
func (s Spec) ID(a Action) string { return s.Name + "." + a.Name }

// Action returns the action with the given name (without the connector's
// prefix).
func (s Spec) Action(name string) (Action, bool) {
	for _, a := range s.Actions {
		if a.Name == name {
			return a, true
		}
	}
	return Action{}, false
}
