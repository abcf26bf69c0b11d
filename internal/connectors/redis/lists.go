package redis

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	goredis "github.com/redis/go-redis/v9"

	"github.com/bistro-dev/bistro/connector"
)

func (c *conn) push(ctx context.Context, req connector.Request, in input) (result, error) {
	key, err := in.required("key")
	if err != nil {
		return result{}, err
	}
	values, err := pushValues(in, req.Record)
	if err != nil {
		return result{}, err
	}
	args := append([]any{strings.ToUpper(req.Action), key}, values...)
	reply, err := c.once(ctx, req, in, args...)
	if err != nil {
		return result{}, c.wrongType(ctx, req.Action, key, err)
	}
	length, _ := whole(reply)
	return one(map[string]any{"key": key, "pushed": len(values), "length": length}), nil
}

// pushValues reads what lpush and rpush add: values, or value, or the
// record as JSON.
func pushValues(in input, rec map[string]any) ([]any, error) {
	list, many := in["values"].([]any)
	if _, one := in["value"]; one && many {
		return nil, connector.Permanent(errors.New("give either 'value' or 'values', not both"))
	}
	if !many {
		s, err := writeValue(in, "value", rec)
		return []any{s}, err
	}
	if len(list) == 0 {
		return nil, connector.Permanent(errors.New("'values' is empty: give at least one value to add"))
	}
	out := make([]any, len(list))
	for i, v := range list {
		s, err := encode(v)
		if err != nil {
			return nil, connector.Permanent(fmt.Errorf("'values[%d]' %w", i, err))
		}
		out[i] = s
	}
	return out, nil
}

func (c *conn) pop(ctx context.Context, req connector.Request, in input) (result, error) {
	key, err := in.required("key")
	if err != nil {
		return result{}, err
	}
	count, err := in.int("count", 1)
	if err != nil || count < 1 {
		return result{}, connector.Permanent(fmt.Errorf("'count' must be a whole number from 1, not %v", in["count"]))
	}
	pop := c.client.LPopCount
	if req.Action == "rpop" {
		pop = c.client.RPopCount
	}
	list, err := pop(ctx, key, int(count)).Result()
	if err != nil && !errors.Is(err, goredis.Nil) {
		return result{}, c.wrongType(ctx, req.Action, key, err)
	}
	return c.listResult(key, list, -1, in.flag("json"))
}

func (c *conn) lrange(ctx context.Context, _ connector.Request, in input) (result, error) {
	key, err := in.required("key")
	if err != nil {
		return result{}, err
	}
	start, err := in.int("start", 0)
	if err != nil {
		return result{}, err
	}
	stop, err := in.int("stop", -1)
	if err != nil {
		return result{}, err
	}
	var length *goredis.IntCmd
	var values *goredis.StringSliceCmd
	_, err = c.client.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		length = p.LLen(ctx, key)
		values = p.LRange(ctx, key, start, stop)
		return nil
	})
	if err != nil {
		return result{}, c.wrongType(ctx, "lrange", key, err)
	}
	if start < 0 {
		start = max(length.Val()+start, 0)
	}
	return c.listResult(key, values.Val(), start, in.flag("json"))
}

// listResult makes one record per value of a list; first is the position
// of the first value, or -1 to leave positions out.
func (c *conn) listResult(key string, list []string, first int64, asJSON bool) (result, error) {
	res := result{records: make([]map[string]any, 0, len(list))}
	values := make([]any, 0, len(list))
	for i, s := range list {
		v, err := decode(fmt.Sprintf("value %d of list '%s'", i+1, key), s, asJSON)
		if err != nil {
			return result{}, err
		}
		rec := map[string]any{"key": key, "value": v}
		if first >= 0 {
			rec["index"] = first + int64(i)
		}
		res.records = append(res.records, rec)
		values = append(values, v)
	}
	res.into = values
	return res, nil
}

func (c *conn) publish(ctx context.Context, req connector.Request, in input) (result, error) {
	channel, err := in.required("channel")
	if err != nil {
		return result{}, err
	}
	message, err := writeValue(in, "message", req.Record)
	if err != nil {
		return result{}, err
	}
	reply, err := c.once(ctx, req, in, "PUBLISH", channel, message)
	if err != nil {
		return result{}, c.fail(quote("channel", channel), err)
	}
	receivers, _ := whole(reply)
	return one(map[string]any{"channel": channel, "message": message, "receivers": receivers}), nil
}

func (c *conn) xadd(ctx context.Context, req connector.Request, in input) (result, error) {
	stream, err := in.required("stream")
	if err != nil {
		return result{}, err
	}
	fields, err := writeFields(in, "fields", req.Record, quote("stream", stream))
	if err != nil {
		return result{}, err
	}
	args := []any{"XADD", stream}
	maxLen, err := in.int("max_len", -1)
	if err != nil {
		return result{}, err
	}
	if maxLen >= 0 {
		trim := "~"
		if in.flag("exact") {
			trim = "="
		}
		args = append(args, "MAXLEN", trim, maxLen)
	}
	args = append(args, "*")
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		args = append(args, name, fields[name])
	}
	reply, err := c.once(ctx, req, in, args...)
	if err != nil {
		return result{}, c.wrongType(ctx, "xadd", stream, err)
	}
	return one(map[string]any{"stream": stream, "id": fmt.Sprint(reply), "fields": fields}), nil
}
