package redis

import (
	"context"
	"errors"
	"fmt"
	"maps"

	goredis "github.com/redis/go-redis/v9"

	"github.com/bistro-dev/bistro/connector"
)

// result is what an action produced: the records it emits, and the value
// into puts in the incoming record instead.
type result struct {
	records []map[string]any
	into    any
}

// one is the result of an action that produces one record, which is also
// what into receives.
func one(rec map[string]any) result { return result{records: []map[string]any{rec}, into: rec} }

type handler func(c *conn, ctx context.Context, req connector.Request, in input) (result, error)

var handlers = map[string]handler{
	"get":     (*conn).get,
	"set":     (*conn).set,
	"delete":  (*conn).del,
	"incr":    (*conn).incr,
	"hget":    (*conn).hget,
	"hset":    (*conn).hset,
	"hgetall": (*conn).hgetall,
	"lpush":   (*conn).push,
	"rpush":   (*conn).push,
	"lpop":    (*conn).pop,
	"rpop":    (*conn).pop,
	"lrange":  (*conn).lrange,
	"publish": (*conn).publish,
	"xadd":    (*conn).xadd,
}

// Do runs one action for one record.
func (c *conn) Do(ctx context.Context, req connector.Request, emit func(map[string]any) error) error {
	h, ok := handlers[req.Action]
	if !ok {
		return connector.Permanent(fmt.Errorf("the Redis connector has no action '%s'", req.Action))
	}
	in := input(req.Input)
	res, err := h(c, ctx, req, in)
	if err != nil {
		return err
	}
	if into := in.text("into"); into != "" {
		out := maps.Clone(req.Record)
		if out == nil {
			out = map[string]any{}
		}
		out[into] = res.into
		return emit(out)
	}
	for _, r := range res.records {
		if err := emit(r); err != nil {
			return err
		}
	}
	return nil
}

func (c *conn) get(ctx context.Context, _ connector.Request, in input) (result, error) {
	key, err := in.required("key")
	if err != nil {
		return result{}, err
	}
	s, err := c.client.Get(ctx, key).Result()
	if errors.Is(err, goredis.Nil) {
		return result{records: []map[string]any{{"key": key, "value": nil, "found": false}}}, nil
	}
	if err != nil {
		return result{}, c.wrongType(ctx, "get", key, err)
	}
	v, err := decode("the value of "+quote("key", key), s, in.flag("json"))
	if err != nil {
		return result{}, err
	}
	return result{records: []map[string]any{{"key": key, "value": v, "found": true}}, into: v}, nil
}

func (c *conn) set(ctx context.Context, req connector.Request, in input) (result, error) {
	key, err := in.required("key")
	if err != nil {
		return result{}, err
	}
	value, err := writeValue(in, "value", req.Record)
	if err != nil {
		return result{}, err
	}
	expire, err := in.duration("expire", 0)
	if err != nil {
		return result{}, err
	}
	args := goredis.SetArgs{TTL: expire}
	switch in.text("only_if") {
	case "missing":
		args.Mode = "NX"
	case "exists":
		args.Mode = "XX"
	}
	err = c.client.SetArgs(ctx, key, value, args).Err()
	written := !errors.Is(err, goredis.Nil)
	if err != nil && written {
		return result{}, c.fail(quote("key", key), err)
	}
	return one(map[string]any{"key": key, "value": value, "written": written}), nil
}

func (c *conn) del(ctx context.Context, _ connector.Request, in input) (result, error) {
	key, err := in.required("key")
	if err != nil {
		return result{}, err
	}
	n, err := c.client.Del(ctx, key).Result()
	if err != nil {
		return result{}, c.fail(quote("key", key), err)
	}
	return one(map[string]any{"key": key, "deleted": n > 0}), nil
}

func (c *conn) incr(ctx context.Context, req connector.Request, in input) (result, error) {
	key, err := in.required("key")
	if err != nil {
		return result{}, err
	}
	by, command, err := increment(in["by"])
	if err != nil {
		return result{}, err
	}
	reply, err := c.once(ctx, req, in, command, key, by)
	if goredis.HasErrorPrefix(err, "value is not") || goredis.HasErrorPrefix(err, "increment or decrement would overflow") {
		return result{}, connector.Permanent(fmt.Errorf("cannot add %v to key '%s': it does not hold a number that can take it", by, key))
	}
	if err != nil {
		return result{}, c.wrongType(ctx, "incr", key, err)
	}
	_, f, isWhole, ok := number(reply)
	if !ok {
		return result{}, fmt.Errorf("Redis answered incr of key '%s' with %v, which is not a number", key, reply)
	}
	var value any = f
	if isWhole {
		value, _ = whole(reply)
	}
	rec := map[string]any{"key": key, "value": value}
	return result{records: []map[string]any{rec}, into: value}, nil
}

// increment reads incr's "by": the number and the command that adds it.
func increment(v any) (any, string, error) {
	if v == nil {
		return int64(1), "INCRBY", nil
	}
	i, f, isWhole, ok := number(v)
	switch {
	case !ok:
		return nil, "", connector.Permanent(fmt.Errorf("'by' must be a number, not %v", v))
	case isWhole:
		return i, "INCRBY", nil
	}
	return f, "INCRBYFLOAT", nil
}

func (c *conn) hget(ctx context.Context, _ connector.Request, in input) (result, error) {
	key, err := in.required("key")
	if err != nil {
		return result{}, err
	}
	field, err := in.required("field")
	if err != nil {
		return result{}, err
	}
	s, err := c.client.HGet(ctx, key, field).Result()
	if errors.Is(err, goredis.Nil) {
		return result{records: []map[string]any{{"key": key, "field": field, "value": nil, "found": false}}}, nil
	}
	if err != nil {
		return result{}, c.wrongType(ctx, "hget", key, err)
	}
	v, err := decode(fmt.Sprintf("field '%s' of key '%s'", field, key), s, in.flag("json"))
	if err != nil {
		return result{}, err
	}
	return result{records: []map[string]any{{"key": key, "field": field, "value": v, "found": true}}, into: v}, nil
}

func (c *conn) hset(ctx context.Context, req connector.Request, in input) (result, error) {
	key, err := in.required("key")
	if err != nil {
		return result{}, err
	}
	fields, err := writeFields(in, "fields", req.Record, quote("key", key))
	if err != nil {
		return result{}, err
	}
	expire, err := in.duration("expire", 0)
	if err != nil {
		return result{}, err
	}
	var added *goredis.IntCmd
	_, err = c.client.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		added = p.HSet(ctx, key, fields)
		if expire > 0 {
			p.Expire(ctx, key, expire)
		}
		return nil
	})
	if err != nil {
		return result{}, c.wrongType(ctx, "hset", key, err)
	}
	return one(map[string]any{"key": key, "fields": fields, "added": added.Val()}), nil
}

func (c *conn) hgetall(ctx context.Context, _ connector.Request, in input) (result, error) {
	key, err := in.required("key")
	if err != nil {
		return result{}, err
	}
	hash, err := c.client.HGetAll(ctx, key).Result()
	if err != nil {
		return result{}, c.wrongType(ctx, "hgetall", key, err)
	}
	raw := make(map[string]any, len(hash))
	for k, v := range hash {
		raw[k] = v
	}
	fields, err := decodeFields(quote("key", key), raw, in.flag("json"))
	if err != nil {
		return result{}, err
	}
	rec := map[string]any{"key": key, "fields": fields, "found": len(hash) > 0}
	return result{records: []map[string]any{rec}, into: fields}, nil
}

// writeValue reads the value to write from the setting name; when it is
// not given, the record is written, as JSON.
func writeValue(in input, name string, rec map[string]any) (string, error) {
	v, given := in[name]
	if !given {
		if rec == nil {
			return "", connector.Permanent(fmt.Errorf("'%s' is not given and there is no record to write instead", name))
		}
		v = rec
	}
	s, err := encode(v)
	if err != nil {
		return "", connector.Permanent(fmt.Errorf("'%s' %w", name, err))
	}
	return s, nil
}

// writeFields reads the fields of a hash or a stream entry from the setting
// name, the record's fields when it is not given, and encodes them.
func writeFields(in input, name string, rec map[string]any, what string) (map[string]any, error) {
	fields, isMap := in[name].(map[string]any)
	if v, given := in[name]; !given {
		fields = rec
	} else if !isMap && v != nil {
		return nil, connector.Permanent(fmt.Errorf("'%s' must be named values such as {email: \"{{ record.email }}\"}, not %v", name, v))
	}
	if len(fields) == 0 {
		return nil, connector.Permanent(fmt.Errorf("%s: there are no fields to write: give '%s' or a record with fields", what, name))
	}
	return encodeFields(what, fields)
}
