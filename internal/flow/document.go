// Package flow defines the flow document: its Go types, how it is parsed from
// YAML or JSON, its JSON Schema and its validation.
//
// The document is the single contract between the CLI, the engine, the server
// and the web editor: whatever edits a flow edits this document.
package flow

// Version is the current version of the flow document format, written as
// `bistro: 1` at the top of every flow.
const Version = 1

// Flow is one flow document: a trigger and a list of steps.
type Flow struct {
	// Bistro is the version of the document format. Always 1 for now.
	Bistro int `json:"bistro" jsonschema:"enum=1"`
	// Name is what people see in lists. Required.
	Name string `json:"name" jsonschema:"minLength=1"`
	// Description says in a sentence or two what the flow does and for whom.
	Description string `json:"description,omitempty"`
	// Vars are flow variables, readable in expressions as vars.NAME. Values may
	// be templates over env and trigger; they are computed once per run.
	Vars map[string]any `json:"vars,omitempty"`
	// Trigger says what starts a run.
	Trigger Trigger `json:"trigger"`
	// Steps run in order for every record.
	Steps []Step `json:"steps" jsonschema:"minItems=1"`
}

// Trigger says what starts a run. Exactly one of its fields is set.
type Trigger struct {
	Manual   *ManualTrigger   `json:"manual,omitempty"`
	Webhook  *WebhookTrigger  `json:"webhook,omitempty"`
	Schedule *ScheduleTrigger `json:"schedule,omitempty"`
}

// ManualTrigger starts a run by hand: from the CLI, the API or the editor.
type ManualTrigger struct {
	// Example is sample input, used when testing the flow in the editor.
	Example any `json:"example,omitempty"`
}

// WebhookTrigger starts a run when an HTTP request arrives at the flow's URL.
type WebhookTrigger struct {
	// Method is the HTTP method the webhook accepts. Default POST.
	Method string `json:"method,omitempty" jsonschema:"enum=GET,enum=POST,enum=PUT,enum=PATCH,enum=DELETE"`
	// Mode is sync (reply with the flow's respond step) or async (reply 202
	// with the run id as soon as the event is stored). Default async.
	Mode string `json:"mode,omitempty" jsonschema:"enum=sync,enum=async"`
	// Example is a sample request body, used when testing in the editor.
	Example any `json:"example,omitempty"`
}

// ScheduleTrigger starts a run on a timetable. Exactly one of Cron and Every.
type ScheduleTrigger struct {
	// Cron is a cron expression with 5 or 6 fields, e.g. "0 9 * * MON-FRI".
	Cron string `json:"cron,omitempty"`
	// Every is an interval such as "10m" or "1h".
	Every string `json:"every,omitempty"`
	// Timezone is an IANA time zone such as "Europe/Berlin". Default UTC.
	Timezone string `json:"timezone,omitempty"`
	// Missed says what happens to ticks missed while Bistro was down: skip
	// them, or run the last one once. Default skip.
	Missed string `json:"missed,omitempty" jsonschema:"enum=skip,enum=run_once"`
}

// Step is one step of a flow. Exactly one kind field (set/rename/remove/keep
// count as one kind, "set"; action goes with connection and with) is present.
type Step struct {
	// ID names the step; other steps refer to it as steps.ID. Lower case
	// letters, digits and underscores, starting with a letter.
	ID string `json:"id" jsonschema:"pattern=^[a-z][a-z0-9_]*$"`
	// Title is an optional human title shown in the editor.
	Title string `json:"title,omitempty"`
	// When is a condition: the step only applies to records for which it is
	// true; other records pass through unchanged.
	When string `json:"when,omitempty"`
	// Retry retries a failing step with exponential backoff.
	Retry *Retry `json:"retry,omitempty"`
	// OnError says what happens to a record when the step fails for it.
	OnError *OnError `json:"on_error,omitempty"`

	// Set computes fields: each value is a template or a literal.
	Set map[string]any `json:"set,omitempty"`
	// Rename renames fields: old name -> new name.
	Rename map[string]string `json:"rename,omitempty"`
	// Remove drops fields.
	Remove []string `json:"remove,omitempty"`
	// Keep keeps only these fields (applied last).
	Keep []string `json:"keep,omitempty"`

	// Filter keeps only the records for which the condition is true.
	Filter *string `json:"filter,omitempty"`
	// If sends each record down one of two branches.
	If *If `json:"if,omitempty"`
	// Switch sends each record down the first case whose condition holds.
	Switch *Switch `json:"switch,omitempty"`
	// ForEach runs steps for every item of a list.
	ForEach *ForEach `json:"for_each,omitempty"`
	// Join matches records with the records of another branch by key.
	Join *Join `json:"join,omitempty"`
	// Sort orders records.
	Sort *Sort `json:"sort,omitempty"`
	// Dedupe drops records whose key was already seen.
	Dedupe *Dedupe `json:"dedupe,omitempty"`
	// Group groups records by key and computes aggregates.
	Group *Group `json:"group,omitempty"`
	// Limit keeps only the first N records.
	Limit *int `json:"limit,omitempty" jsonschema:"minimum=0"`
	// Split turns a list into one record per item.
	Split *Split `json:"split,omitempty"`
	// Call runs another flow and waits for its result.
	Call *Call `json:"call,omitempty"`
	// Stop ends the run early, successfully. The value is the reason.
	Stop *string `json:"stop,omitempty"`
	// Respond is the reply to the webhook that started the run.
	Respond *Respond `json:"respond,omitempty"`
	// Fail ends the run with this message (a template).
	Fail *string `json:"fail,omitempty"`
	// Log writes a message (a template) to the run log.
	Log *string `json:"log,omitempty"`
	// HTTP calls an HTTP API.
	HTTP *HTTP `json:"http,omitempty"`
	// Action runs a connector action, e.g. "postgres.upsert".
	Action string `json:"action,omitempty"`
	// Connection names the connection an action uses.
	Connection string `json:"connection,omitempty"`
	// With are the action's settings.
	With map[string]any `json:"with,omitempty"`
}

// Retry retries a failing step with exponential backoff and jitter.
type Retry struct {
	// Attempts is the total number of tries, including the first. 1..100.
	Attempts int `json:"attempts" jsonschema:"minimum=1,maximum=100"`
	// Backoff is the wait before the second try, doubled each time. Default 1s.
	Backoff string `json:"backoff,omitempty"`
	// MaxBackoff caps the wait between tries. Default 1m.
	MaxBackoff string `json:"max_backoff,omitempty"`
	// On lists which errors are retried: "transient" (network errors,
	// timeouts, HTTP 429 and 5xx; the default) or "any".
	On string `json:"on,omitempty" jsonschema:"enum=transient,enum=any"`
}

// OnError is the error policy of a step. In YAML it is either one word
// (fail, skip, continue) or an object with error-branch steps.
type OnError struct {
	// Action is fail (the default: the run fails), skip (drop the record),
	// or continue (pass the record on unchanged).
	Action string `json:"action,omitempty" jsonschema:"enum=fail,enum=skip,enum=continue"`
	// Steps is an error branch: failing records go through these steps, with
	// the error readable as error.message and error.step. They do not rejoin
	// the main line.
	Steps []Step `json:"steps,omitempty"`
}

// If sends each record down the then or the else branch; both rejoin after.
type If struct {
	Condition string `json:"condition"`
	Then      []Step `json:"then"`
	Else      []Step `json:"else,omitempty"`
}

// Switch sends each record down the first case whose condition holds, or the
// default; all rejoin after the switch. Records matching no case and with no
// default pass through unchanged.
type Switch struct {
	Cases   []Case `json:"cases" jsonschema:"minItems=1"`
	Default []Step `json:"default,omitempty"`
}

// Case is one branch of a switch.
type Case struct {
	When  string `json:"when"`
	Steps []Step `json:"steps"`
}

// ForEach runs steps once for every item of a list. Inside, record is the
// item (items that are not objects are wrapped as {value: item}), and
// loop.index, loop.parent are set. Without Into, the records the inner steps
// produce flow on; with Into, they are collected into that field of the
// parent record, which flows on.
type ForEach struct {
	Items string `json:"items"`
	Steps []Step `json:"steps"`
	Into  string `json:"into,omitempty"`
}

// Join matches each record with the records of another branch. The other
// branch's steps run once per run, starting from the trigger's input, and
// its records are held in memory by key.
type Join struct {
	// Type is inner (drop records without a match) or left (keep them). Default inner.
	Type string `json:"type,omitempty" jsonschema:"enum=inner,enum=left"`
	// On gives the key on each side.
	On JoinOn `json:"on"`
	// Steps produce the other branch's records.
	Steps []Step `json:"steps"`
	// Into puts the matched record in this field; without it the matched
	// record's fields are merged into the record (the record's own win).
	Into string `json:"into,omitempty"`
}

// JoinOn gives the join key: Left over the flowing record, Right over the
// other branch's record (both read as record).
type JoinOn struct {
	Left  string `json:"left"`
	Right string `json:"right"`
}

// Sort orders all records by one or more keys.
type Sort struct {
	By    StringList `json:"by"`
	Order string     `json:"order,omitempty" jsonschema:"enum=asc,enum=desc"`
}

// Dedupe keeps the first record for every key.
type Dedupe struct {
	By StringList `json:"by"`
}

// Group groups records and computes aggregates. Each output record has the
// By fields and the Fields aggregates.
type Group struct {
	// By maps output field names to key expressions.
	By map[string]string `json:"by"`
	// Fields maps output field names to aggregates such as "sum(record.amount)",
	// "count()", "avg(...)", "min(...)", "max(...)", "first(...)", "last(...)",
	// "collect(...)".
	Fields map[string]string `json:"fields,omitempty"`
}

// Split turns a list into one record per item.
type Split struct {
	// Items is an expression giving the list.
	Items string `json:"items"`
	// As, when set, keeps the parent's fields and puts the item in this field.
	// Without it each item becomes the record (non-objects as {value: item}).
	As string `json:"as,omitempty"`
}

// Call runs another flow with the record as its input and waits.
type Call struct {
	// Flow is the called flow: a file path relative to this flow, or a name.
	Flow string `json:"flow"`
	// Input is the value passed as the called flow's input. Default: record.
	Input any `json:"input,omitempty"`
	// Into, when set, collects the sub-flow's output records into this field;
	// without it the sub-flow's output records replace the record.
	Into string `json:"into,omitempty"`
}

// Respond is the reply to the webhook that started the run.
type Respond struct {
	Status  int               `json:"status,omitempty" jsonschema:"minimum=100,maximum=599"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    any               `json:"body,omitempty"`
}

// HTTP calls an HTTP API. The response becomes records.
type HTTP struct {
	Method  string            `json:"method,omitempty" jsonschema:"enum=GET,enum=POST,enum=PUT,enum=PATCH,enum=DELETE,enum=HEAD"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers,omitempty"`
	Query   map[string]any    `json:"query,omitempty"`
	// JSON, Form and Body are the request body; at most one.
	JSON any               `json:"json,omitempty"`
	Form map[string]string `json:"form,omitempty"`
	Body *string           `json:"body,omitempty"`
	Auth *HTTPAuth         `json:"auth,omitempty"`
	// Timeout for one request, e.g. "30s". Default 30s.
	Timeout  string    `json:"timeout,omitempty"`
	Paginate *Paginate `json:"paginate,omitempty"`
	// Records is an expression over response (status, headers, body) that
	// selects the records, e.g. response.body.items. By default a JSON array
	// body gives one record per element, any other body one record.
	Records string `json:"records,omitempty"`
	// Into, when set, keeps the record and puts the result in this field.
	Into string `json:"into,omitempty"`
}

// HTTPAuth authenticates a request. Exactly one field is set.
type HTTPAuth struct {
	Basic  *BasicAuth `json:"basic,omitempty"`
	Bearer string     `json:"bearer,omitempty"`
	APIKey *APIKey    `json:"api_key,omitempty"`
}

// BasicAuth is HTTP basic authentication.
type BasicAuth struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// APIKey sends a key in a header or a query parameter (exactly one).
type APIKey struct {
	Header string `json:"header,omitempty"`
	Query  string `json:"query,omitempty"`
	Value  string `json:"value"`
}

// Paginate follows pages. Exactly one of LinkHeader, NextURL, Cursor, Page.
type Paginate struct {
	// LinkHeader follows the Link: <...>; rel="next" response header.
	LinkHeader bool `json:"link_header,omitempty"`
	// NextURL is an expression over response giving the next page's URL;
	// paging stops when it is empty.
	NextURL string `json:"next_url,omitempty"`
	// Cursor sends the value of an expression over response as a query
	// parameter; paging stops when it is empty.
	Cursor *CursorPaging `json:"cursor,omitempty"`
	// Page counts pages in a query parameter; paging stops at an empty page.
	Page *PagePaging `json:"page,omitempty"`
	// MaxPages caps the number of pages. Default 100.
	MaxPages int `json:"max_pages,omitempty" jsonschema:"minimum=1"`
}

// CursorPaging is cursor-based pagination.
type CursorPaging struct {
	Param string `json:"param"`
	Value string `json:"value"`
}

// PagePaging is page-number pagination.
type PagePaging struct {
	Param string `json:"param"`
	Start int    `json:"start,omitempty"`
}
