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
	// Timeout ends a run that takes longer, e.g. "15m". Default 1h.
	Timeout string `json:"timeout,omitempty"`
	// Concurrency caps how many runs of this flow go on at once; further
	// runs wait in the queue. Default: no cap.
	Concurrency int `json:"concurrency,omitempty" jsonschema:"minimum=1"`
	// ErrorFlow names a flow that receives every failed run of this one
	// (flow, step, error and input): the place to alert the owner.
	ErrorFlow string `json:"error_flow,omitempty"`
}

// Trigger says what starts a run. Exactly one of its fields is set.
type Trigger struct {
	// Manual starts a run by hand: from the CLI, the API or the editor.
	Manual *ManualTrigger `json:"manual,omitempty"`
	// Webhook starts a run when an HTTP request arrives at the flow's URL.
	Webhook *WebhookTrigger `json:"webhook,omitempty"`
	// Schedule starts a run on a timetable.
	Schedule *ScheduleTrigger `json:"schedule,omitempty"`
	// Event starts a run when a connected system has something new: a
	// message on a queue or stream, a new row in a table.
	Event *EventTrigger `json:"event,omitempty"`
}

// EventTrigger starts runs from a connector's trigger: a run for every
// message of a push source (a queue, a stream, a topic), or a run for the
// new rows of every poll of a poll source (a table).
type EventTrigger struct {
	// Source is the connector's trigger, e.g. "redis.stream" or
	// "postgres.new_row".
	Source string `json:"source"`
	// Connection names the connection the trigger listens on.
	Connection string `json:"connection,omitempty"`
	// With are the trigger's settings.
	With map[string]any `json:"with,omitempty"`
	// Every is how often a poll source is asked for what is new, e.g.
	// "30s". Default 1m. Push sources deliver as messages come.
	Every string `json:"every,omitempty"`
	// Attempts is how many runs a message gets before it goes to the
	// dead-letter list, where it can be seen and replayed. Default 3.
	Attempts int `json:"attempts,omitempty" jsonschema:"minimum=1,maximum=20"`
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
	// Timeout is how long a sync webhook waits for the respond step before
	// answering 202 with the run id. Default 10s.
	Timeout string `json:"timeout,omitempty"`
	// Signature requires every call to be signed by the sender; calls with a
	// missing, wrong, old or replayed signature are refused.
	Signature *WebhookSignature `json:"signature,omitempty"`
	// Token requires every call to carry a fixed token.
	Token *WebhookToken `json:"token,omitempty"`
}

// WebhookSignature checks the signature senders put on webhook calls.
type WebhookSignature struct {
	// Scheme is stripe (a Stripe-Signature header "t=...,v1=...") or
	// standard (Standard Webhooks: webhook-id, webhook-timestamp and
	// webhook-signature headers).
	Scheme string `json:"scheme" jsonschema:"enum=stripe,enum=standard"`
	// Secret is the signing secret the sender gave you, usually a template
	// such as "{{ env.STRIPE_WEBHOOK_SECRET }}". If it comes out empty,
	// every call is refused.
	Secret string `json:"secret"`
	// Header is the signature header for the stripe scheme. Default
	// Stripe-Signature.
	Header string `json:"header,omitempty"`
	// Tolerance is how old a signed call may be, e.g. "5m". Default 5m.
	Tolerance string `json:"tolerance,omitempty"`
}

// WebhookToken requires a fixed token in a header or a query parameter.
// Without header and query the token is expected as "Authorization: Bearer
// TOKEN".
type WebhookToken struct {
	Header string `json:"header,omitempty"`
	Query  string `json:"query,omitempty"`
	// Value is the token, usually a template such as "{{ env.HOOK_TOKEN }}".
	// If it comes out empty, every call is refused.
	Value string `json:"value"`
}

// ScheduleTrigger starts a run on a timetable: give exactly one of cron and
// every.
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

// Step is one step of a flow. Besides the settings every step has, it has
// exactly one kind: set, rename, remove and keep together make the kind
// set, and action goes with connection and with.
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
	// Attempts is the total number of tries, including the first: 1 to 100.
	Attempts int `json:"attempts" jsonschema:"minimum=1,maximum=100"`
	// Backoff is the wait before the second try, doubled each time. Default 1s.
	Backoff string `json:"backoff,omitempty"`
	// MaxBackoff caps the wait between tries. Default 1m.
	MaxBackoff string `json:"max_backoff,omitempty"`
	// On says which errors are retried: transient (network errors,
	// timeouts, HTTP 429 and 5xx) or any. Default transient.
	On string `json:"on,omitempty" jsonschema:"enum=transient,enum=any"`
}

// OnError is the error policy of a step. In YAML it is either one word
// (fail, skip, continue) or an object with error-branch steps.
type OnError struct {
	// Action is fail (the run fails), skip (drop the record), or continue
	// (pass the record on unchanged). Default fail.
	Action string `json:"action,omitempty" jsonschema:"enum=fail,enum=skip,enum=continue"`
	// Steps is an error branch: failing records go through these steps, with
	// the error readable as error.message and error.step. They do not rejoin
	// the main line.
	Steps []Step `json:"steps,omitempty"`
}

// If sends each record down the then or the else branch; both rejoin after.
type If struct {
	// Condition is an expression; records for which it is true take then,
	// the others else.
	Condition string `json:"condition"`
	// Then are the steps for records that meet the condition.
	Then []Step `json:"then"`
	// Else are the steps for the other records. Without it they pass
	// through unchanged.
	Else []Step `json:"else,omitempty"`
}

// Switch sends each record down the first case whose condition holds, or the
// default; all rejoin after the switch. Records matching no case and with no
// default pass through unchanged.
type Switch struct {
	// Cases are tried in order; the first whose condition holds takes the record.
	Cases []Case `json:"cases" jsonschema:"minItems=1"`
	// Default are the steps for records that match no case.
	Default []Step `json:"default,omitempty"`
}

// Case is one branch of a switch.
type Case struct {
	// When is the case's condition, an expression.
	When string `json:"when"`
	// Steps are the steps for records that meet the condition.
	Steps []Step `json:"steps"`
}

// ForEach runs steps once for every item of a list. Inside, record is the
// item (items that are not objects are wrapped as {value: item}), and
// loop.index, loop.parent are set. Without into, the records the inner steps
// produce flow on; with into, they are collected into that field of the
// parent record, which flows on.
type ForEach struct {
	// Items is an expression giving the list, e.g. record.lines.
	Items string `json:"items"`
	// Steps run once for every item, with the item as record.
	Steps []Step `json:"steps"`
	// Into names a field: when set, the records the steps produce are
	// collected into this field of the parent record, which flows on.
	// Without it they flow on instead of the parent.
	Into string `json:"into,omitempty"`
}

// Join matches each record with the records of another branch. The other
// branch's steps run once per run, starting from one empty record, and its
// records are held in memory by key.
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

// JoinOn gives the join key: left over the flowing record, right over the
// other branch's record (both read as record).
type JoinOn struct {
	// Left is an expression giving the key of the flowing record.
	Left string `json:"left"`
	// Right is an expression giving the key of the other branch's record.
	Right string `json:"right"`
}

// Sort orders all records by one or more keys.
type Sort struct {
	// By is the expression to sort by, or a list of them: later ones break
	// ties of earlier ones.
	By StringList `json:"by"`
	// Order is asc (smallest first) or desc. Default asc.
	Order string `json:"order,omitempty" jsonschema:"enum=asc,enum=desc"`
}

// Dedupe keeps the first record for every key.
type Dedupe struct {
	// By is the expression giving the key, or a list of them.
	By StringList `json:"by"`
}

// Group groups records and computes aggregates. Each output record has the
// by fields and the aggregate fields.
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
	// As names a field: when set, each new record keeps the parent's fields
	// and has the item in this field.
	// Without it each item becomes the record (non-objects as {value: item}).
	As string `json:"as,omitempty"`
}

// Call runs another flow with the record as its input and waits.
type Call struct {
	// Flow is the called flow: a file path relative to this flow, or a name.
	Flow string `json:"flow"`
	// Input is the value passed as the called flow's input. Default: record.
	Input any `json:"input,omitempty"`
	// Into names a field: when set, the called flow's output records are
	// collected into it; without it they replace the record.
	Into string `json:"into,omitempty"`
}

// Respond is the reply to the webhook that started the run.
type Respond struct {
	// Status is the HTTP status code. Default 200.
	Status int `json:"status,omitempty" jsonschema:"minimum=100,maximum=599"`
	// Headers are response headers; values are templates.
	Headers map[string]string `json:"headers,omitempty"`
	// Body is the response body: a value whose texts are templates.
	Body any `json:"body,omitempty"`
}

// HTTP calls an HTTP API. The response becomes records.
type HTTP struct {
	// Method is the HTTP method. Default GET.
	Method string `json:"method,omitempty" jsonschema:"enum=GET,enum=POST,enum=PUT,enum=PATCH,enum=DELETE,enum=HEAD"`
	// Connection names an http connection: the step takes its base_url,
	// headers and credentials from it, and url may then be a path such as
	// /v1/contacts, added to base_url. Not together with auth.
	Connection string `json:"connection,omitempty"`
	// URL is the address to call, a template.
	URL string `json:"url"`
	// Headers are request headers; values are templates.
	Headers map[string]string `json:"headers,omitempty"`
	// Query are query parameters added to the URL; values are templates.
	Query map[string]any `json:"query,omitempty"`
	// JSON is a request body sent as JSON; its texts are templates. Use at
	// most one of json, form and body.
	JSON any `json:"json,omitempty"`
	// Form is a request body sent as an HTML form; values are templates.
	Form map[string]string `json:"form,omitempty"`
	// Body is a request body sent as text, a template.
	Body *string `json:"body,omitempty"`
	// Auth authenticates the request. Credentials are only sent to the
	// host of the url, never to other hosts a redirect or next page leads to.
	Auth *HTTPAuth `json:"auth,omitempty"`
	// Timeout is how long one request may take, e.g. 10s. Default 30s.
	Timeout string `json:"timeout,omitempty"`
	// Paginate follows further pages of the response.
	Paginate *Paginate `json:"paginate,omitempty"`
	// Records is an expression over response (status, headers, body) that
	// selects the records, e.g. response.body.items. By default a JSON array
	// body gives one record per element, any other body one record.
	Records string `json:"records,omitempty"`
	// Into names a field: when set, the record is kept and the result put
	// in this field.
	Into string `json:"into,omitempty"`
}

// HTTPAuth authenticates a request. Exactly one field is set.
type HTTPAuth struct {
	// Basic is HTTP basic authentication with a user name and password.
	Basic *BasicAuth `json:"basic,omitempty"`
	// Bearer is a token sent as "Authorization: Bearer ...", a template.
	Bearer string `json:"bearer,omitempty"`
	// APIKey sends a key in a header or a query parameter.
	APIKey *APIKey `json:"api_key,omitempty"`
}

// BasicAuth is HTTP basic authentication.
type BasicAuth struct {
	// Username is the user name, a template.
	Username string `json:"username"`
	// Password is the password, a template; read it from env, not the flow.
	Password string `json:"password"`
}

// APIKey sends a key in a header or a query parameter (exactly one).
type APIKey struct {
	// Header is the name of the header that carries the key.
	Header string `json:"header,omitempty"`
	// Query is the name of the query parameter that carries the key.
	Query string `json:"query,omitempty"`
	// Value is the key, a template; read it from env, not the flow.
	Value string `json:"value"`
}

// Paginate follows pages: give exactly one of link_header, next_url, cursor
// and page.
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
	// Param is the query parameter that carries the cursor.
	Param string `json:"param"`
	// Value is an expression over response giving the next cursor, e.g.
	// response.body.next_cursor.
	Value string `json:"value"`
}

// PagePaging is page-number pagination.
type PagePaging struct {
	// Param is the query parameter that carries the page number.
	Param string `json:"param"`
	// Start is the number of the first page. Default 1.
	Start int `json:"start,omitempty"`
}
