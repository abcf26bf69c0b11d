package sqldb

import "github.com/bistro-dev/bistro/connector"

// DefaultBatchSize is how many records a bulk load writes at once, in
// one transaction, when the step does not say.
const DefaultBatchSize = 10000

// Help says what differs between the SQL connectors' specs.
type Help struct {
	// Dialect is the connector's SQL dialect.
	Dialect Dialect
	// Placeholders says how the query action's parameters are written.
	Placeholders string
	// Bulk is the bulk action's name, Title and Description.
	Bulk, BulkTitle, BulkDescription string
}

// Actions returns the actions the SQL connectors share.
func Actions(h Help) []connector.Action {
	return []connector.Action{
		queryAction(h), insertAction(h), upsertAction(h), updateAction(h), deleteAction(h), bulkAction(h),
	}
}

func tableField() connector.Field {
	return connector.Field{Name: "table", Type: connector.String, Required: true, Example: "orders", Help: "The table: letters, digits and underscores, optionally as schema.table."}
}

func valuesField() connector.Field {
	return connector.Field{Name: "values", Type: connector.Object, Example: map[string]any{"email": "{{ record.email }}", "total": "{{ record.total }}"}, Help: "The values to write, by column. By default the whole record is written, each field to the column of its name. Lists and groups of named values are written as JSON text."}
}

func whereFields(what string) []connector.Field {
	return []connector.Field{
		{Name: "where", Type: connector.Object, Example: map[string]any{"id": "{{ record.id }}"}, Help: "Which rows to " + what + ": column: value pairs that must all be equal (null matches NULL). Required unless all is true."},
		{Name: "all", Type: connector.Bool, Default: false, Help: "Set to true to " + what + " every row of the table when where is empty."},
	}
}

func written(h Help) string {
	if h.Dialect == MySQL {
		return "the values written, with the id an auto-increment column got"
	}
	return "all its columns, as the database stored them (generated ids and defaults included)"
}

func queryAction(h Help) connector.Action {
	return connector.Action{
		Name:        "query",
		Title:       "Run an SQL statement",
		Description: "Runs one SQL statement per record with parameters. Values are always bound to the statement's parameters, never written into its text. " + h.Placeholders,
		Input: []connector.Field{
			{Name: "sql", Type: connector.Text, Required: true, Example: placeholderExample(h.Dialect), Help: "The statement, with parameters for the values."},
			{Name: "params", Type: connector.List, Items: &connector.Field{Type: connector.Any, Help: "A value, a template."}, Example: []any{"{{ record.customer_id }}"}, Help: "The values of the statement's parameters, in order."},
		},
		Output:      "One record per row the statement returns, as the rows arrive; none for statements that return no rows.",
		SideEffects: true,
	}
}

func placeholderExample(d Dialect) string {
	if d == Postgres {
		return "SELECT id, total FROM orders WHERE customer_id = $1"
	}
	return "SELECT id, total FROM orders WHERE customer_id = ?"
}

func insertAction(h Help) connector.Action {
	return connector.Action{
		Name:        "insert",
		Title:       "Insert a row",
		Description: "Inserts one row per record.",
		Input: []connector.Field{
			tableField(),
			valuesField(),
			{Name: "key_column", Type: connector.String, Example: "bistro_key", Help: "A column with a unique constraint in which to store the step's idempotency key: a retried insert then finds its row instead of adding it twice."},
		},
		Output:      "One record per row inserted: " + written(h) + ".",
		SideEffects: true,
		Idempotent:  true,
	}
}

func upsertAction(h Help) connector.Action {
	keyHelp := "The columns that identify a row; a unique constraint or primary key must cover exactly them."
	if h.Dialect == MySQL {
		keyHelp = "The columns that identify a row; they must have values. MySQL decides what conflicts by the table's primary key and unique indexes, so they should cover exactly these columns."
	}
	return connector.Action{
		Name:        "upsert",
		Title:       "Insert or update a row",
		Description: "Inserts one row per record or, when a row with the same key exists, updates it.",
		Input: []connector.Field{
			tableField(),
			valuesField(),
			{Name: "key", Type: connector.List, Required: true, Items: &connector.Field{Type: connector.String, Help: "A column name."}, Example: []any{"email"}, Help: keyHelp},
		},
		Output:      "One record per row inserted or updated: " + written(h) + ".",
		SideEffects: true,
		Idempotent:  true,
	}
}

func updateAction(h Help) connector.Action {
	out := "One record per row updated, with all its columns as the database stored them."
	if h.Dialect == MySQL {
		out = "One record per row updated, with all its columns (read in the same transaction before the update, the new values applied)."
	}
	return connector.Action{
		Name:        "update",
		Title:       "Update rows",
		Description: "Sets values in the rows that match where. Refuses to update every row unless all is true.",
		Input:       append([]connector.Field{tableField(), valuesField()}, whereFields("update")...),
		Output:      out,
		SideEffects: true,
		Idempotent:  true,
	}
}

func deleteAction(h Help) connector.Action {
	out := "One record per row deleted, with all its columns."
	if h.Dialect == MySQL {
		out = "One record per row deleted, with all its columns (read in the same transaction before the delete)."
	}
	return connector.Action{
		Name:        "delete",
		Title:       "Delete rows",
		Description: "Deletes the rows that match where. Refuses to delete every row unless all is true.",
		Input:       append([]connector.Field{tableField()}, whereFields("delete")...),
		Output:      out,
		SideEffects: true,
		Idempotent:  true,
	}
}

func bulkAction(h Help) connector.Action {
	return connector.Action{
		Name:        h.Bulk,
		Title:       h.BulkTitle,
		Description: h.BulkDescription + " Each batch is written whole or not at all.",
		Input: []connector.Field{
			tableField(),
			valuesField(),
			{Name: "columns", Type: connector.List, Items: &connector.Field{Type: connector.String, Help: "A column name."}, Example: []any{"id", "email", "total"}, Help: "The columns to load. By default, the names of the batch's first record; then a later record with another name is refused. With columns, other names are left out and a missing value is NULL."},
			{Name: "batch_size", Type: connector.Int, Default: DefaultBatchSize, Help: "How many records to write at once, in one transaction."},
		},
		Output:      "One record per batch: {\"rows\": the number of rows written}.",
		SideEffects: true,
		Batch:       true,
	}
}

// Trigger returns the poll trigger the SQL connectors share.
func Trigger() connector.Trigger {
	return connector.Trigger{
		Name:        "new_row",
		Kind:        connector.Poll,
		Title:       "New or changed rows",
		Description: "Starts a run for each row whose cursor column went past the last one seen: use an id for new rows, or a time of last change (updated_at) for new and changed rows. The first poll starts from now, unless from_beginning is set. Rows come in the cursor's order; rows that share a cursor value come in the same poll. A row whose cursor is NULL is never seen, and a change committed with a cursor value below one already seen is missed, so use a cursor that only grows.",
		Input: []connector.Field{
			tableField(),
			{Name: "cursor_column", Type: connector.String, Required: true, Example: "updated_at", Help: "A column that grows with every new (or changed) row, such as id or updated_at; an index on it keeps polls fast."},
			{Name: "from_beginning", Type: connector.Bool, Default: false, Help: "Start with the rows already in the table instead of from now."},
		},
		Output: "One record per row, with all its columns. The cursor is the last row's cursor value as text (\"(start)\" before the first row of a table that was empty).",
	}
}

// Endpoint is the host setting of a network database's connection, for
// policy.
func Endpoint(port int) []connector.Endpoint {
	return []connector.Endpoint{{Field: "host", Format: connector.HostEndpoint, DefaultPort: port}}
}
