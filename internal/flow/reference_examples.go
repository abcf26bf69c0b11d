package flow

import "reflect"

// stepDoc is what the reference says about one step kind beyond the doc
// comments of its settings: a line for someone who has never written a
// flow, how it behaves, and an example. The examples are checked by the
// tests, so the reference cannot show a flow that does not validate.
type stepDoc struct {
	kind    string
	summary string
	details string
	// fields are the step's own settings that make up the kind.
	fields []string
	// settings is the type of the kind's value, when it has settings of its own.
	settings reflect.Type
	// example is a list of steps, or a whole flow when it starts with "bistro:".
	example string
}

var stepDocs = []stepDoc{
	{kind: "set", summary: "Adds, changes, renames and removes fields of each record.",
		details: `The four settings apply in the order rename, set, remove, keep. A dotted name in set
			(customer.email) writes a field inside a field, creating it when needed. Values are templates
			or plain values.`,
		fields: []string{"set", "rename", "remove", "keep"},
		example: `- id: tidy
  rename: { mail: email }
  set:
    email: "{{ lower(trim(record.email)) }}"
    customer.country: DE
    imported: true
  remove: [internal_note]
`},
	{kind: "filter", summary: "Keeps only the records that meet a condition.",
		details: `The condition is an expression. Records for which it is false are dropped: the steps
			after the filter never see them.`,
		fields: []string{"filter"},
		example: `- id: big_orders
  filter: record.total > 100 and record.status == "paid"
`},
	{kind: "if", summary: "Sends each record down one of two branches.",
		details: `Records that meet the condition go through then, the others through else (or pass
			through unchanged when there is no else). Both branches rejoin after the step: the next step
			sees the records of both.`,
		settings: reflect.TypeFor[If](),
		example: `- id: size
  if:
    condition: record.total > 100
    then:
      - id: big
        set: { size: big }
    else:
      - id: small
        set: { size: small }
`},
	{kind: "switch", summary: "Sends each record down the first of several branches whose condition holds.",
		details: `Cases are tried in order and the first that holds takes the record. Records that
			match no case go through default, or pass through unchanged when there is no default. All
			branches rejoin after the step.`,
		settings: reflect.TypeFor[Switch](),
		example: `- id: by_country
  switch:
    cases:
      - when: record.country == "DE"
        steps:
          - id: german
            set: { team: berlin }
      - when: record.country in ["FR", "BE"]
        steps:
          - id: french
            set: { team: paris }
    default:
      - id: elsewhere
        set: { team: london }
`},
	{kind: "for_each", summary: "Runs steps once for every item of a list inside a record.",
		details: `Inside, record is the item (an item that is not an object is wrapped as {value: item}),
			loop.index is its position from 0 and loop.parent the record the list came from. Without
			into, the records the inner steps produce flow on in place of the parent. With into, they
			are collected into that field of the parent, which flows on.`,
		settings: reflect.TypeFor[ForEach](),
		example: `- id: price_lines
  for_each:
    items: record.lines
    steps:
      - id: line_total
        set:
          total: "{{ record.price * record.quantity }}"
          order: "{{ loop.parent.id }}"
    into: lines
`},
	{kind: "join", summary: "Adds to each record the matching record from another list, by key.",
		details: `The join's own steps run once per run, starting from one empty record, and the records
			they produce are held in memory by their right key. Each flowing record is matched by its
			left key. An inner join drops records without a match, a left join keeps them. With into
			the matched record is put in that field; without it its fields are merged into the record,
			and where both have a field the record's own value wins.`,
		settings: reflect.TypeFor[Join](),
		example: `- id: with_customer
  join:
    type: left
    on: { left: record.customer_id, right: record.id }
    steps:
      - id: customers
        http: { url: "https://crm.example.com/api/customers" }
    into: customer
`},
	{kind: "sort", summary: "Puts the records in order.",
		details: `Sort holds all records until the input ends, then passes them on in order. The sort is
			stable (records with equal keys keep their order), numbers compare as numbers, and records
			whose key is empty come last.`,
		settings: reflect.TypeFor[Sort](),
		example: `- id: newest_first
  sort: { by: [record.created_at, record.id], order: desc }
`},
	{kind: "dedupe", summary: "Drops records whose key was already seen.",
		details: `The first record with each key passes on; later ones with the same key are dropped.
			The keys seen are kept for the whole run.`,
		settings: reflect.TypeFor[Dedupe](),
		example: `- id: one_per_email
  dedupe: { by: lower(record.email) }
`},
	{kind: "group", summary: "Sums up the records by group, one record per group.",
		details: `Group keeps one line per group until the input ends, then passes on one record per group,
			in the order the groups first appeared. Each has the by fields and the aggregates; the
			aggregates are count(), sum(…), avg(…), min(…), max(…), first(…), last(…) and collect(…).`,
		settings: reflect.TypeFor[Group](),
		example: `- id: per_country
  group:
    by: { country: record.country }
    fields:
      orders: count()
      revenue: sum(record.total)
      biggest: max(record.total)
      ids: collect(record.id)
`},
	{kind: "limit", summary: "Keeps only the first records.",
		details: `After passing on the given number of records the step stops reading: steps before it
			stop too, so a limit after a slow source saves work.`,
		fields: []string{"limit"},
		example: `- id: first_ten
  limit: 10
`},
	{kind: "split", summary: "Turns a list inside a record into one record per item.",
		details: `Without as, each item becomes the record (an item that is not an object becomes
			{value: item}). With as, each new record is a copy of the parent with the item in that
			field.`,
		settings: reflect.TypeFor[Split](),
		example: `- id: one_per_line
  split: { items: record.lines, as: line }
`},
	{kind: "call", summary: "Runs another flow for each record and waits for its result.",
		details: `The flow is a file path relative to this flow's file (or, on a server, a flow's name).
			The called flow gets input (the record by default). Without into, the records it produces
			replace the record; with into, they are collected into that field.`,
		settings: reflect.TypeFor[Call](),
		example: `- id: enrich
  call: { flow: enrich-company.yaml, input: { domain: "{{ record.domain }}" }, into: company }
`},
	{kind: "stop", summary: "Ends the run early, as a success.",
		details: `No further records are read or passed on, and the run counts as successful. The value
			is the reason, shown in the run; it is a template.`,
		fields: []string{"stop"},
		example: `- id: nothing_to_do
  when: record.count == 0
  stop: "no new orders today"
`},
	{kind: "respond", summary: "Answers the webhook request that started the run.",
		details: `Only a webhook in sync mode waits for this answer. The first respond in a run wins; later
			ones do nothing. The status is 200 unless given. The record passes on, so steps after the
			reply still run.`,
		settings: reflect.TypeFor[Respond](),
		example: `bistro: 1
name: Answer a form
trigger:
  webhook: { method: POST, mode: sync }
steps:
  - id: reply
    respond:
      status: 201
      headers: { X-Request-Id: "{{ run.id }}" }
      body: { ok: true, email: "{{ record.email }}" }
`},
	{kind: "fail", summary: "Ends the run as failed, with a message.",
		details: `The message is a template and becomes the run's error. Use it with when to stop on data
			that must not go further.`,
		fields: []string{"fail"},
		example: `- id: no_email
  when: record.email == ""
  fail: "order {{ record.id }} has no email address"
`},
	{kind: "log", summary: "Writes a message to the run's log.",
		details: `The message is a template, written once per record. The record passes on unchanged.`,
		fields:  []string{"log"},
		example: `- id: note
  log: "importing order {{ record.id }} for {{ record.email }}"
`},
	{kind: "http", summary: "Calls a web address (an HTTP API) and turns the answer into records.",
		details: `The response is read as response.status, response.headers and response.body (parsed
			as JSON when it is JSON). Without records, a list body gives one record per element (items
			that are not objects become {value: item}) and any other body one record; records picks
			another part. With into, the record is kept and the result put in that field. Errors that
			may go away (network errors, timeouts, 429 and 5xx) count as transient for retry.
			Credentials go only to the host of url. paginate follows further pages, up to max_pages.
			Requests that change something (not GET or HEAD) carry an Idempotency-Key header that stays
			the same when the request is retried or the run is executed again, so APIs that honour it
			apply the change once; a header set in headers wins.`,
		settings: reflect.TypeFor[HTTP](),
		example: `- id: orders
  http:
    method: GET
    url: "https://shop.example.com/api/orders"
    query: { status: paid, since: "{{ vars.since }}" }
    auth: { bearer: "{{ env.CRM_TOKEN }}" }
    records: response.body.items
    paginate: { cursor: { param: cursor, value: response.body.next_cursor }, max_pages: 50 }
  retry: { attempts: 3 }
`},
	{kind: "action", summary: "Runs an action of a connector, such as writing a row to a database.",
		details: `action names the connector and its action; connection names the connection (with its
			credentials) set up on the server; with holds the action's settings, whose texts are
			templates. bistro connectors list shows the actions and their settings.`,
		fields: []string{"action", "connection", "with"},
		example: `- id: save
  action: postgres.upsert
  connection: crm-db
  with: { table: leads, key: [email], values: { email: "{{ record.email }}" } }
`},
}

const documentExample = `bistro: 1
name: New web lead to CRM
description: Clean a lead from the web form and save it.
vars:
  source: web
trigger:
  webhook: { method: POST, mode: async }
steps:
  - id: clean
    set:
      email: "{{ lower(trim(record.email)) }}"
      source: "{{ vars.source }}"
  - id: save
    action: postgres.upsert
    connection: crm-db
    with: { table: leads, key: [email] }
`

var triggerExamples = map[string]string{
	"manual": `bistro: 1
name: Import a list by hand
trigger:
  manual:
    example: { email: ann@example.com }
steps:
  - id: show
    log: "{{ record.email }}"
`,
	"webhook": `bistro: 1
name: Form to chat
trigger:
  webhook: { method: POST, mode: sync }
steps:
  - id: tell
    action: chat.send
    with: { text: "New form: {{ record.name }}" }
  - id: reply
    respond: { status: 202 }
`,
	"schedule": `bistro: 1
name: Morning report
trigger:
  schedule: { cron: "0 9 * * MON-FRI", timezone: Europe/Berlin, missed: run_once }
steps:
  - id: note
    log: "good morning"
`,
	"event": `bistro: 1
name: New orders
trigger:
  event:
    source: redis.stream
    connection: shop-cache
    with: { stream: orders, group: bistro }
    attempts: 5
steps:
  - id: note
    log: "order {{ record.id }}"
`,
}

const retryExample = `- id: save
  action: postgres.upsert
  with: { table: leads }
  retry: { attempts: 5, backoff: 2s, max_backoff: 1m, on: transient }
`

const onErrorExample = `- id: notify
  action: chat.send
  with: { text: "{{ record.name }}" }
  on_error:
    steps:
      - id: report
        log: "could not notify: {{ error.message }} (in {{ error.step }})"
`
