package engine

import (
	"fmt"
	"strings"

	"github.com/bistro-dev/bistro/internal/flow"
)

// kind compiles the part of a step that says what it does.
func (c *compiler) kind(fs *flow.Step, scope flow.Scope, main bool) (kind, error) {
	var found []string
	var k kind
	var err error
	try := func(present bool, name string, build func() (kind, error)) {
		if !present {
			return
		}
		found = append(found, name)
		if len(found) == 1 {
			k, err = build()
		}
	}
	try(fs.Set != nil || fs.Rename != nil || fs.Remove != nil || fs.Keep != nil, "set", func() (kind, error) { return c.set(fs, scope) })
	try(fs.Filter != nil, "filter", func() (kind, error) { return c.filter(*fs.Filter, scope) })
	try(fs.If != nil, "if", func() (kind, error) { return c.ifKind(fs.If, scope) })
	try(fs.Switch != nil, "switch", func() (kind, error) { return c.switchKind(fs.Switch, scope) })
	try(fs.ForEach != nil, "for_each", func() (kind, error) { return c.forEach(fs.ForEach, scope) })
	try(fs.Join != nil, "join", func() (kind, error) { return c.join(fs.Join, scope) })
	try(fs.Sort != nil, "sort", func() (kind, error) { return c.sort(fs.Sort, scope) })
	try(fs.Dedupe != nil, "dedupe", func() (kind, error) { return c.dedupe(fs.Dedupe, scope) })
	try(fs.Group != nil, "group", func() (kind, error) { return c.group(fs.Group, scope) })
	try(fs.Limit != nil, "limit", func() (kind, error) { return c.limit(*fs.Limit, main) })
	try(fs.Split != nil, "split", func() (kind, error) { return c.split(fs.Split, scope) })
	try(fs.Call != nil, "call", func() (kind, error) { return c.call(fs.Call, scope) })
	try(fs.Stop != nil, "stop", func() (kind, error) { return c.stop(*fs.Stop, scope) })
	try(fs.Respond != nil, "respond", func() (kind, error) { return c.respond(fs.Respond, scope) })
	try(fs.Fail != nil, "fail", func() (kind, error) { return c.fail(*fs.Fail, scope) })
	try(fs.Log != nil, "log", func() (kind, error) { return c.logKind(*fs.Log, scope) })
	try(fs.HTTP != nil, "http", func() (kind, error) { return c.http(fs, scope) })
	try(fs.Action != "", "action", func() (kind, error) { return c.action(fs, scope) })
	switch {
	case len(found) == 0:
		return nil, fmt.Errorf("the step does nothing: give it one kind, such as set, filter or http")
	case len(found) > 1:
		return nil, fmt.Errorf("the step has more than one kind (%s); split it into one step each", strings.Join(found, ", "))
	}
	return k, err
}
