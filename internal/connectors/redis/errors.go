package redis

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"

	goredis "github.com/redis/go-redis/v9"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/internal/egress"
)

// busy are the replies of a server that will answer again soon: loading
// its data, running a long script, failing over.
var busy = []string{"LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN", "READONLY", "CLUSTERDOWN", "OOM"}

// fail turns an error of the Redis client into one for the person who built
// the flow: what went wrong, where, and whether trying again can help. what
// names what the call was about ("key 'orders'"), if anything. The
// password never appears in the result.
func (c *conn) fail(what string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var rerr goredis.Error
	if errors.As(err, &rerr) && !isNetwork(err) {
		return c.redisError(what, rerr)
	}
	return c.networkError(err)
}

// isNetwork reports whether err, though it may look like a Redis reply,
// comes from the network (go-redis marks some of those as Redis errors).
func isNetwork(err error) bool {
	var nerr net.Error
	return errors.As(err, &nerr)
}

func (c *conn) redisError(what string, rerr goredis.Error) error {
	msg := c.scrub(rerr.Error())
	code, _, _ := strings.Cut(msg, " ")
	where := ""
	if what != "" {
		where = what + ": "
	}
	switch {
	case code == "WRONGPASS" || strings.Contains(msg, "invalid password") || strings.Contains(msg, "invalid username-password"):
		return connector.Permanent(fmt.Errorf("Redis at %s refused the user name or password: check them in the connection's settings", c.address))
	case code == "NOAUTH":
		return connector.Permanent(fmt.Errorf("Redis at %s asks for a password: set one in the connection's settings", c.address))
	case strings.Contains(msg, "called without any password configured"):
		return connector.Permanent(fmt.Errorf("Redis at %s has no password for this user: leave the password empty or give the right user name", c.address))
	case code == "NOPERM":
		return connector.Permanent(fmt.Errorf("%sthe Redis user is not allowed to do this (ask the Redis admin for the right): %s", where, msg))
	case strings.Contains(msg, "DB index is out of range"):
		return connector.Permanent(fmt.Errorf("Redis at %s has no database %d: use a smaller database number", c.address, c.database))
	case slices.Contains(busy, code):
		return connector.Retryable(fmt.Errorf("%sRedis is busy, try again later: %s", where, msg), 0)
	}
	return connector.Permanent(fmt.Errorf("%sRedis refused it: %s", where, msg))
}

func (c *conn) networkError(err error) error {
	msg := c.scrub(plainNetError(err))
	if egress.IsRefused(err) {
		return connector.Permanent(fmt.Errorf("could not reach Redis at %s: %s", c.address, msg))
	}
	return fmt.Errorf("could not reach Redis at %s: %s: %w", c.address, msg, connector.ErrNotConnected)
}

// plainNetError drops the "dial tcp 10.0.0.5:6379:" part a network error
// starts with; the address is named by the caller.
func plainNetError(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		if r := (*egress.RefusedError)(nil); errors.As(op.Err, &r) {
			return r.Error()
		}
		return strings.TrimPrefix(op.Err.Error(), "connect: ")
	}
	return err.Error()
}

// scrub removes the password from a message: some errors echo what was
// sent.
func (c *conn) scrub(msg string) string {
	if c.password == "" {
		return msg
	}
	return strings.ReplaceAll(msg, c.password, "[hidden]")
}

// wrongType explains a WRONGTYPE reply: which kind of value the key holds
// and which actions work on it.
func (c *conn) wrongType(ctx context.Context, action, key string, err error) error {
	if !goredis.HasErrorPrefix(err, "WRONGTYPE") {
		return c.fail(quote("key", key), err)
	}
	kind, terr := c.client.Type(ctx, key).Result()
	if terr != nil {
		return c.fail(quote("key", key), err)
	}
	words := map[string]string{
		"string": "text (use get, set or incr)",
		"hash":   "a hash (use hget, hset or hgetall)",
		"list":   "a list (use lpush, rpush, lpop, rpop or lrange)",
		"stream": "a stream (use xadd, or the stream trigger to read it)",
		"set":    "a set, which this connector does not handle",
		"zset":   "a sorted set, which this connector does not handle",
	}
	holds, ok := words[kind]
	if !ok {
		holds = "a value of kind " + kind
	}
	return connector.Permanent(fmt.Errorf("redis.%s cannot work on key '%s': it holds %s", action, key, holds))
}

// quote names a thing for a message: quote("key", "orders") is "key 'orders'".
func quote(kind, name string) string { return kind + " '" + name + "'" }
