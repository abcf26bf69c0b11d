package policy

import (
	"slices"
	"strings"
)

// The kinds of destination.
const (
	KindAction  = "action"  // a connector action: a write, or a read given classified data
	KindHTTP    = "http"    // an HTTP step
	KindRespond = "respond" // the reply to the webhook's caller
	KindCall    = "call"    // another flow, called with data
)

func validKind(k string) bool {
	return k == KindAction || k == KindHTTP || k == KindRespond || k == KindCall
}

// Report is what the check found in one flow.
type Report struct {
	// Flow is the flow's name; File the file it was read from.
	Flow string `json:"flow"`
	File string `json:"file,omitempty"`
	// Workspace is the workspace it was checked for.
	Workspace string `json:"workspace,omitempty"`
	// Destinations are the steps that send data somewhere, in flow order,
	// those of called flows after the call.
	Destinations []Destination `json:"destinations"`
	// Violations break a rule. While editing they are warnings; at
	// publish and at run time they block.
	Violations []Violation `json:"violations"`
	// Warnings are what the check could not decide: destinations computed
	// at run time, connections it does not know, calls it did not follow.
	Warnings []Warning `json:"warnings,omitempty"`
	// Declassified are the places where a class was taken off data,
	// because the policy lets dropping, masking or hashing do so.
	Declassified []Declassification `json:"declassified,omitempty"`
	// Suggestions are classes the detectors suggest for the trigger's
	// example input.
	Suggestions []Suggestion `json:"suggestions,omitempty"`
}

// Destination is one step that sends data out of the flow.
type Destination struct {
	// Step is the step's id; Flow names the called flow it is in ("" for
	// the checked flow), CalledBy the call steps that lead there.
	Step     string   `json:"step"`
	Flow     string   `json:"flow,omitempty"`
	CalledBy []string `json:"called_by,omitempty"`
	// Kind is action, http, respond or call.
	Kind string `json:"kind"`
	// Action is the connector action, e.g. "chat.send"; Writes says it
	// changes something outside Bistro.
	Action string `json:"action,omitempty"`
	Writes bool   `json:"writes,omitempty"`
	// Connector and Connection are what the step sends to; Labels the
	// connection's labels.
	Connector  string   `json:"connector,omitempty"`
	Connection string   `json:"connection,omitempty"`
	Labels     []string `json:"labels,omitempty"`
	// Hosts are the hosts it contacts, when known before the run.
	Hosts []string `json:"hosts,omitempty"`
	// RunTime is set when the host is computed at run time (an address
	// from an expression, a connection whose address is not known until it
	// opens): the runner checks it with Set.CheckHost before each request,
	// or Set.CheckConnectorHost when the connection opens.
	RunTime bool `json:"run_time,omitempty"`
	// Target says in plain words what the step sends to, e.g. "Slack
	// webhook team-chat".
	Target string `json:"target"`
	// Reaches are the data classes that can reach the step, each with
	// where it came from and its path.
	Reaches  []Reach  `json:"reaches"`
	Location Location `json:"location"`
}

// Reach is one class of data that can reach a destination.
type Reach struct {
	Class string `json:"class"`
	// Field is the field of the record it is in when it arrives ("" when
	// it is in the record as a whole), or what the step reads it from,
	// such as "trigger.body.email".
	Field string `json:"field,omitempty"`
	// Source says where it came from ("connection hr-db", "the trigger's
	// input"); Connection names the connection.
	Source     string `json:"source"`
	Connection string `json:"connection,omitempty"`
	// SourceField is the field its source labelled, when only one was.
	SourceField string `json:"source_field,omitempty"`
	// Path are the steps from the source to the destination.
	Path []PathStep `json:"path"`
}

// PathStep is one step on a path; Flow names the called flow it is in.
type PathStep struct {
	Step string `json:"step"`
	Flow string `json:"flow,omitempty"`
}

// Violation is a rule broken, in plain words.
type Violation struct {
	Rule     string `json:"rule"`
	RuleName string `json:"rule_name"`
	// Step is the step that breaks it ("" for the trigger); Flow the
	// called flow it is in.
	Step  string `json:"step,omitempty"`
	Flow  string `json:"flow,omitempty"`
	Class string `json:"class,omitempty"`
	// Message says it all, e.g. "Step 'notify' sends personal data (field
	// email, from connection hr-db) to Slack webhook team-chat; rule 'no
	// personal data to external messaging' forbids it".
	Message  string     `json:"message"`
	Path     []PathStep `json:"path,omitempty"`
	Location Location   `json:"location"`
}

// Warning is something the check could not decide.
type Warning struct {
	Step     string   `json:"step,omitempty"`
	Flow     string   `json:"flow,omitempty"`
	Message  string   `json:"message"`
	Location Location `json:"location"`
}

// Declassification is a class taken off data by a step.
type Declassification struct {
	Step   string `json:"step"`
	Flow   string `json:"flow,omitempty"`
	Class  string `json:"class"`
	Source string `json:"source"`
	// Field is the field its source labelled, when only one was.
	Field string `json:"field,omitempty"`
	// By is drop, mask or hash.
	By       string   `json:"by"`
	Location Location `json:"location"`
}

// Location is a place in a flow file. Line and Column are 1-based; zero
// means unknown.
type Location struct {
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
	// Path is the place in the document, e.g. "steps[2].if.then[0]".
	Path string `json:"path,omitempty"`
}

// Classes lists the class ids that reach the destination.
func (d Destination) Classes() []string {
	var out []string
	for _, r := range d.Reaches {
		out = appendNew(out, r.Class)
	}
	slices.Sort(out)
	return out
}

// Destination returns the destination of a step of the checked flow, for
// the runner to check a host computed at run time.
func (r Report) Destination(step string) (Destination, bool) {
	for _, d := range r.Destinations {
		if d.Step == step && d.Flow == "" {
			return d, true
		}
	}
	return Destination{}, false
}

// Blocked reports whether the flow breaks a rule, so that it may not be
// published or run.
func (r Report) Blocked() bool { return len(r.Violations) > 0 }

// String writes a path as "read → clean → notify"; steps of called flows
// are written with their flow, as "'Welcome email' send".
func (p PathString) String() string {
	parts := make([]string, len(p))
	for i, s := range p {
		parts[i] = s.Step
		if s.Flow != "" {
			parts[i] = "'" + s.Flow + "' " + s.Step
		}
	}
	return strings.Join(parts, " → ")
}

// PathString is a path as printed.
type PathString []PathStep
