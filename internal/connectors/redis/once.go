package redis

import (
	"context"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/bistro-dev/bistro/connector"
)

// onceScript runs a command unless a call with the same idempotency key
// already ran it: KEYS[1] is the key that remembers the call, ARGV[1] how
// many seconds it is remembered, ARGV[2:] the command. It returns
// {0, reply} after running the command, {1, the first reply as text} when
// the call was already made. Being a script, the check and the command
// are one step for Redis: no other call can come in between.
var onceScript = goredis.NewScript(`
local done = redis.call('GET', KEYS[1])
if done then return {1, done} end
local reply = redis.call(unpack(ARGV, 2))
redis.call('SET', KEYS[1], tostring(reply), 'EX', ARGV[1])
return {0, reply}
`)

// maxOnceArgs keeps a command within what the script can pass on (Lua's
// unpack has a limit of about 8000 values).
const maxOnceArgs = 7000

// oncePrefix starts the names of the keys that remember calls.
const oncePrefix = "bistro:once:"

// once runs a command that must not apply twice when the engine retries
// the call: the request's idempotency key is remembered in Redis for the
// action's dedupe_for, and a call with a key already seen returns the
// first call's reply instead of running the command again.
func (c *conn) once(ctx context.Context, req connector.Request, in input, args ...any) (any, error) {
	keep, err := in.duration("dedupe_for", 0)
	if err != nil {
		return nil, err
	}
	if keep <= 0 || req.Key == "" {
		return c.client.Do(ctx, args...).Result()
	}
	if len(args) > maxOnceArgs {
		return nil, connector.Permanent(fmt.Errorf("too many values for one call that is kept from applying twice (at most %d): send fewer at once, or set dedupe_for to 0s", maxOnceArgs))
	}
	scriptArgs := append([]any{ttl(keep)}, args...)
	reply, err := onceScript.Run(ctx, c.client, []string{oncePrefix + req.Key}, scriptArgs...).Slice()
	if err != nil {
		return nil, err
	}
	if len(reply) != 2 {
		return nil, fmt.Errorf("Redis answered %s with %v, which was not expected", args[0], reply)
	}
	return reply[1], nil
}

// ttl turns a duration into whole seconds, rounded up.
func ttl(d time.Duration) int64 { return int64((d + time.Second - 1) / time.Second) }
