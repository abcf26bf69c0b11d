package redis

import "github.com/bistro-dev/bistro/connector"

// The inputs several actions share.
var (
	keyField  = connector.Field{Name: "key", Type: connector.String, Required: true, Example: "customer:{{ record.id }}", Help: "The key, a template."}
	jsonField = connector.Field{Name: "json", Type: connector.Bool, Default: false,
		Help: "Read values as JSON (objects, lists, numbers, true/false) instead of text; empty values are read as nothing."}
	intoField = connector.Field{Name: "into", Type: connector.String, Example: "cached",
		Help: "When set, the incoming record is kept and the result put in this field."}
	valueField = connector.Field{Name: "value", Type: connector.Any, Example: "{{ record.status }}",
		Help: "The value to write: text as it is, numbers and true/false as written, objects and lists as JSON. By default the whole record, as JSON."}
	dedupeField = connector.Field{Name: "dedupe_for", Type: connector.Duration, Default: "24h",
		Help: "Redis does not notice a repeated call by itself. For this long Bistro keeps each call's idempotency key in Redis (a small key named bistro:once:...), so a retried call does not apply twice; 0s turns this off."}
)

func actions() []connector.Action {
	return []connector.Action{
		getAction(), setAction(), deleteAction(), incrAction(),
		hgetAction(), hsetAction(), hgetallAction(),
		pushAction("lpush", "start"), pushAction("rpush", "end"),
		popAction("lpop", "start"), popAction("rpop", "end"), lrangeAction(),
		publishAction(), xaddAction(),
	}
}

func getAction() connector.Action {
	return connector.Action{
		Name:        "get",
		Title:       "Read a key",
		Description: "Reads the text value of a key, once per record.",
		Input:       []connector.Field{keyField, jsonField, intoField},
		Output:      "One record: key, value (nothing when the key does not exist) and found (true or false). With into, the incoming record with the value in that field.",
	}
}

func setAction() connector.Action {
	return connector.Action{
		Name:        "set",
		Title:       "Write a key",
		Description: "Writes a value to a key, replacing what it held, once per record. Writing the same value again changes nothing, so a retried call is harmless.",
		Input: []connector.Field{
			keyField, valueField,
			{Name: "expire", Type: connector.Duration, Example: "1h", Help: "How long the key lives before Redis deletes it; empty keeps it until deleted."},
			{Name: "only_if", Type: connector.Enum, Enum: []string{"always", "missing", "exists"}, Default: "always",
				Help: "always writes; missing writes only when the key does not exist yet (SET NX), exists only when it does (SET XX)."},
			intoField,
		},
		Output:      "One record: key, value (as written) and written (false when only_if kept it from being written). With into, the incoming record with that record in that field.",
		SideEffects: true,
		Idempotent:  true,
	}
}

func deleteAction() connector.Action {
	return connector.Action{
		Name:        "delete",
		Title:       "Delete a key",
		Description: "Deletes a key of any kind, once per record. Deleting a key that does not exist is not an error.",
		Input:       []connector.Field{keyField, intoField},
		Output:      "One record: key and deleted (false when the key did not exist). With into, the incoming record with that record in that field.",
		SideEffects: true,
		Idempotent:  true,
	}
}

func incrAction() connector.Action {
	return connector.Action{
		Name:        "incr",
		Title:       "Add to a counter",
		Description: "Adds a number to the number a key holds (a missing key counts as 0), once per record: a counter. A whole number uses INCRBY, any other INCRBYFLOAT.",
		Input: []connector.Field{
			keyField,
			{Name: "by", Type: connector.Number, Default: 1, Example: -1, Help: "The number to add; negative to subtract."},
			dedupeField, intoField,
		},
		Output:      "One record: key and value (the number after adding). With into, the incoming record with the number in that field.",
		SideEffects: true,
		Idempotent:  true,
	}
}

func hgetAction() connector.Action {
	return connector.Action{
		Name:        "hget",
		Title:       "Read a field of a hash",
		Description: "Reads one field of the hash at a key, once per record.",
		Input: []connector.Field{
			keyField,
			{Name: "field", Type: connector.String, Required: true, Example: "email", Help: "The field to read, a template."},
			jsonField, intoField,
		},
		Output: "One record: key, field, value (nothing when the hash or the field does not exist) and found. With into, the incoming record with the value in that field.",
	}
}

func hsetAction() connector.Action {
	return connector.Action{
		Name:        "hset",
		Title:       "Write fields of a hash",
		Description: "Writes fields of the hash at a key (creating it), keeping its other fields, once per record. Writing the same fields again changes nothing, so a retried call is harmless.",
		Input: []connector.Field{
			keyField,
			{Name: "fields", Type: connector.Object, Example: map[string]any{"email": "{{ record.email }}", "plan": "pro"},
				Help: "The fields to write and their values (text as it is, objects and lists as JSON). By default the record's fields."},
			{Name: "expire", Type: connector.Duration, Example: "24h", Help: "When set, how long the whole hash lives from this write before Redis deletes it."},
			intoField,
		},
		Output:      "One record: key, fields (as written) and added (how many of them are new). With into, the incoming record with that record in that field.",
		SideEffects: true,
		Idempotent:  true,
	}
}

func hgetallAction() connector.Action {
	return connector.Action{
		Name:        "hgetall",
		Title:       "Read a whole hash",
		Description: "Reads every field of the hash at a key, once per record.",
		Input:       []connector.Field{keyField, jsonField, intoField},
		Output:      "One record: key, fields (the hash's fields and values; empty when the key does not exist) and found. With into, the incoming record with the fields in that field.",
	}
}

// pushAction is lpush or rpush; end is the end of the list it adds at.
func pushAction(name, end string) connector.Action {
	return connector.Action{
		Name:        name,
		Title:       "Add to the " + end + " of a list",
		Description: "Adds values at the " + end + " of the list at a key (creating it), once per record.",
		Input: []connector.Field{
			keyField, valueField,
			{Name: "values", Type: connector.List, Items: &connector.Field{Type: connector.Any, Help: "A value."}, Example: []any{"a", "b"},
				Help: "Several values to add in this order, instead of value."},
			dedupeField, intoField,
		},
		Output:      "One record: key, pushed (how many values were added) and length (the list's length after adding). With into, the incoming record with that record in that field.",
		SideEffects: true,
		Idempotent:  true,
	}
}

// popAction is lpop or rpop; end is the end of the list it takes from.
func popAction(name, end string) connector.Action {
	return connector.Action{
		Name:  name,
		Title: "Take values from the " + end + " of a list",
		Description: "Removes values from the " + end + " of the list at a key and returns them, once per record. " +
			"A value taken by a call whose reply is lost (a network failure) is gone: this action cannot be made safe to retry.",
		Input: []connector.Field{
			keyField,
			{Name: "count", Type: connector.Int, Default: 1, Help: "How many values to take at most."},
			jsonField, intoField,
		},
		Output:      "One record per value taken: key and value; none when the list is empty. With into, the incoming record with the list of values taken in that field.",
		SideEffects: true,
	}
}

func lrangeAction() connector.Action {
	return connector.Action{
		Name:        "lrange",
		Title:       "Read values of a list",
		Description: "Reads the values of the list at a key from position start to stop (0 is the first, -1 the last), without removing them, once per record.",
		Input: []connector.Field{
			keyField,
			{Name: "start", Type: connector.Int, Default: 0, Help: "The position of the first value to read; negative counts from the end."},
			{Name: "stop", Type: connector.Int, Default: -1, Help: "The position of the last value to read, included; -1 is the last value."},
			jsonField, intoField,
		},
		Output: "One record per value: key, index (its position) and value; none when the list is empty. With into, the incoming record with the list of values in that field.",
	}
}

func publishAction() connector.Action {
	return connector.Action{
		Name:  "publish",
		Title: "Publish to a channel",
		Description: "Sends a message to a pub/sub channel, once per record. Redis does not keep it: only clients listening at that moment receive it. " +
			"Use xadd for messages that must not be lost.",
		Input: []connector.Field{
			{Name: "channel", Type: connector.String, Required: true, Example: "orders", Help: "The channel, a template."},
			{Name: "message", Type: connector.Any, Example: "{{ record.id }}", Help: "The message: text as it is, anything else as JSON. By default the whole record, as JSON."},
			dedupeField, intoField,
		},
		Output:      "One record: channel, message (as sent) and receivers (how many clients received it). With into, the incoming record with that record in that field.",
		SideEffects: true,
		Idempotent:  true,
	}
}

func xaddAction() connector.Action {
	return connector.Action{
		Name:  "xadd",
		Title: "Add an entry to a stream",
		Description: "Appends an entry to the stream at a key (creating it), once per record; the stream trigger reads such entries. " +
			"Redis streams do not drop duplicates themselves: dedupe_for keeps a retried call from adding the entry twice.",
		Input: []connector.Field{
			{Name: "stream", Type: connector.String, Required: true, Example: "orders", Help: "The stream's key, a template."},
			{Name: "fields", Type: connector.Object, Example: map[string]any{"order": "{{ record.id }}"},
				Help: "The entry's fields and values (text as it is, objects and lists as JSON). By default the record's fields."},
			{Name: "max_len", Type: connector.Int, Example: 100000, Help: "When set, older entries are removed so that the stream keeps about this many (MAXLEN ~)."},
			{Name: "exact", Type: connector.Bool, Default: false, Help: "Trim to exactly max_len entries (MAXLEN =); by default Redis trims to about as many, which is faster."},
			dedupeField, intoField,
		},
		Output:      "One record: stream, id (the entry's id, such as 1700000000000-0) and fields (as written). With into, the incoming record with that record in that field.",
		SideEffects: true,
		Idempotent:  true,
	}
}

func triggers() []connector.Trigger {
	return []connector.Trigger{streamTrigger(), channelTrigger()}
}

func streamTrigger() connector.Trigger {
	return connector.Trigger{
		Name:  "stream",
		Kind:  connector.Push,
		Title: "New entry in a stream",
		Description: "Starts a run for every entry of a stream, read through a consumer group (created when missing, with the stream). " +
			"An entry is acknowledged (XACK) only once its run is accepted; an entry that was not is read again, and entries left behind by a Bistro that stopped or crashed are taken over after claim_after, so none is lost. " +
			"Up to concurrency entries are handed over at the same time, so entries do not start their runs in the order of the stream. " +
			"Several Bistro processes with the same group share the entries.",
		Input: []connector.Field{
			{Name: "stream", Type: connector.String, Required: true, Example: "orders", Help: "The stream's key."},
			{Name: "group", Type: connector.String, Default: "bistro", Help: "The consumer group, which remembers which entries were handled. Flows reading the same stream with different groups each get every entry."},
			{Name: "consumer", Type: connector.String, Help: "This reader's name within the group; by default the machine's host name."},
			{Name: "start", Type: connector.Enum, Enum: []string{"new", "all"}, Default: "new", Help: "When the group is created: read only entries added from now on (new), or the stream's existing entries too (all)."},
			{Name: "claim_after", Type: connector.Duration, Default: "1m", Help: "How long an entry may stay unacknowledged by another reader of the group before this one takes it over."},
			{Name: "batch_size", Type: connector.Int, Default: 10, Help: "How many entries to read at once."},
			{Name: "concurrency", Type: connector.Int, Default: 16,
				Help: "How many entries are handed over at the same time, each waiting for its run to be accepted (at most 1000). More lets more runs be stored together; 1 keeps the stream's order."},
			jsonField,
		},
		Output: "One record per entry: stream, id (such as 1700000000000-0) and fields (the entry's fields and values).",
	}
}

func channelTrigger() connector.Trigger {
	return connector.Trigger{
		Name:  "channel",
		Kind:  connector.Push,
		Title: "New message on a channel",
		Description: "Starts a run for every message published to a pub/sub channel (SUBSCRIBE), or to every channel matching a pattern (PSUBSCRIBE). " +
			"At most once, by the nature of Redis pub/sub: messages published while Bistro is not listening are lost, and a message whose run could not be started is not sent again. " +
			"Use the stream trigger for messages that must not be lost.",
		Input: []connector.Field{
			{Name: "channel", Type: connector.String, Required: true, Example: "orders", Help: "The channel, or with pattern a pattern such as orders.* (* matches anything, ? one character)."},
			{Name: "pattern", Type: connector.Bool, Default: false, Help: "Treat channel as a pattern and listen to every channel matching it."},
			{Name: "json", Type: connector.Bool, Default: false, Help: "Read messages as JSON instead of text."},
		},
		Output: "One record per message: channel (the channel it was published to) and message.",
	}
}
