package expr

import (
	"sort"
	"strconv"
	"strings"
)

var listFunctions = []Function{
	{Name: "get", Signature: "get(object, path, default?)", Category: "objects", MinArgs: 2, MaxArgs: 3,
		Description: "The value at a dotted path (list positions are numbers), or default when any part is missing.",
		Example:     `get({"a": {"b": [10, 20]}}, "a.b.1", 0)`, Result: `20`, fn: fnGet},
	{Name: "keys", Signature: "keys(object)", Category: "objects", MinArgs: 1, MaxArgs: 1,
		Description: "The field names of an object, sorted.",
		Example:     `keys({"b": 1, "a": 2})`, Result: `["a","b"]`, fn: fnKeys},
	{Name: "values", Signature: "values(object)", Category: "objects", MinArgs: 1, MaxArgs: 1,
		Description: "The field values of an object, in the order of its sorted field names.",
		Example:     `values({"b": 1, "a": 2})`, Result: `[2,1]`, fn: fnValues},
	{Name: "pick", Signature: "pick(object, name, ...)", Category: "objects", MinArgs: 1, MaxArgs: -1,
		Description: "A copy of the object with only the named fields (names may also be given as one list).",
		Example:     `pick({"a": 1, "b": 2, "c": 3}, "a", "c")`, Result: `{"a":1,"c":3}`, fn: pickOmit("pick", true)},
	{Name: "omit", Signature: "omit(object, name, ...)", Category: "objects", MinArgs: 1, MaxArgs: -1,
		Description: "A copy of the object without the named fields.",
		Example:     `omit({"a": 1, "b": 2, "c": 3}, ["b"])`, Result: `{"a":1,"c":3}`, fn: pickOmit("omit", false)},
	{Name: "merge", Signature: "merge(object, object, ...)", Category: "objects", MinArgs: 1, MaxArgs: -1,
		Description: "One object with the fields of all; later objects win.",
		Example:     `merge({"a": 1, "b": 2}, {"b": 3})`, Result: `{"a":1,"b":3}`, fn: fnMerge},
	{Name: "unique", Signature: "unique(list)", Category: "lists", MinArgs: 1, MaxArgs: 1,
		Description: "The list without repeated items, keeping the first of each.",
		Example:     `unique([1, 2, 1, "1"])`, Result: `[1,2,"1"]`, fn: fnUnique},
	{Name: "sort_by", Signature: "sort_by(list, field)", Category: "lists", MinArgs: 2, MaxArgs: 2,
		Description: "The objects of a list ordered by a field; \"-field\" sorts in descending order. Items without the field come last.",
		Example:     `sort_by([{"n": 2}, {"n": 1}], "n")`, Result: `[{"n":1},{"n":2}]`, fn: fnSortBy},
	{Name: "count", Signature: "count(list, condition?)", Category: "lists", MinArgs: 1, MaxArgs: 2, Builtin: true,
		Description: "How many items there are, or how many meet the condition (`#` is the item).",
		Example:     `count([1, 5, 8], # > 2)`, Result: `2`},
	{Name: "first", Signature: "first(list)", Category: "lists", MinArgs: 1, MaxArgs: 1, Builtin: true,
		Description: "The first item; nothing for an empty list.",
		Example:     `first([7, 8])`, Result: `7`},
	{Name: "last", Signature: "last(list)", Category: "lists", MinArgs: 1, MaxArgs: 1, Builtin: true,
		Description: "The last item; nothing for an empty list.",
		Example:     `last([7, 8])`, Result: `8`},
	{Name: "flatten", Signature: "flatten(list)", Category: "lists", MinArgs: 1, MaxArgs: 1, Builtin: true,
		Description: "Lists inside the list are spread into it.",
		Example:     `flatten([1, [2, [3]]])`, Result: `[1,2,3]`},
	{Name: "reverse", Signature: "reverse(list)", Category: "lists", MinArgs: 1, MaxArgs: 1, Builtin: true,
		Description: "The list in reverse order.",
		Example:     `reverse([1, 2, 3])`, Result: `[3,2,1]`},
	{Name: "sort", Signature: "sort(list, order?)", Category: "lists", MinArgs: 1, MaxArgs: 2, Builtin: true,
		Description: "Numbers or texts in ascending order, or descending with \"desc\".",
		Example:     `sort([3, 1, 2], "desc")`, Result: `[3,2,1]`},
	{Name: "concat", Signature: "concat(list, list, ...)", Category: "lists", MinArgs: 1, MaxArgs: -1, Builtin: true,
		Description: "One list with the items of all.",
		Example:     `concat([1], [2, 3])`, Result: `[1,2,3]`},
	{Name: "map", Signature: "map(list, value)", Category: "lists", MinArgs: 2, MaxArgs: 2, Builtin: true,
		Description: "A list of the value computed for each item: `#` is the item, `.field` its field.",
		Example:     `map([{"n": "a"}, {"n": "b"}], upper(.n))`, Result: `["A","B"]`},
	{Name: "filter", Signature: "filter(list, condition)", Category: "lists", MinArgs: 2, MaxArgs: 2, Builtin: true,
		Description: "The items that meet the condition.",
		Example:     `filter([1, 5, 8], # > 2)`, Result: `[5,8]`},
	{Name: "find", Signature: "find(list, condition)", Category: "lists", MinArgs: 2, MaxArgs: 2, Builtin: true,
		Description: "The first item that meets the condition; nothing if none does.",
		Example:     `find([{"id": 1}, {"id": 2}], .id == 2)`, Result: `{"id":2}`},
	{Name: "findIndex", Signature: "findIndex(list, condition)", Category: "lists", MinArgs: 2, MaxArgs: 2, Builtin: true,
		Description: "The position (from 0) of the first item that meets the condition; -1 if none does.",
		Example:     `findIndex(["a", "b"], # == "b")`, Result: `1`},
	{Name: "all", Signature: "all(list, condition)", Category: "lists", MinArgs: 2, MaxArgs: 2, Builtin: true,
		Description: "Whether every item meets the condition (true for an empty list).",
		Example:     `all([2, 4], # % 2 == 0)`, Result: `true`},
	{Name: "any", Signature: "any(list, condition)", Category: "lists", MinArgs: 2, MaxArgs: 2, Builtin: true,
		Description: "Whether at least one item meets the condition.",
		Example:     `any([1, 2], # > 1)`, Result: `true`},
	{Name: "none", Signature: "none(list, condition)", Category: "lists", MinArgs: 2, MaxArgs: 2, Builtin: true,
		Description: "Whether no item meets the condition.",
		Example:     `none([1, 2], # > 5)`, Result: `true`},
	{Name: "one", Signature: "one(list, condition)", Category: "lists", MinArgs: 2, MaxArgs: 2, Builtin: true,
		Description: "Whether exactly one item meets the condition.",
		Example:     `one([1, 2], # > 1)`, Result: `true`},
	{Name: "reduce", Signature: "reduce(list, value, initial?)", Category: "lists", MinArgs: 2, MaxArgs: 3, Builtin: true,
		Description: "Combines the items one by one: `#acc` is the result so far, `#` the item.",
		Example:     `reduce([1, 2, 3], #acc * #, 1)`, Result: `6`},
	{Name: "groupBy", Signature: "groupBy(list, value)", Category: "lists", MinArgs: 2, MaxArgs: 2, Builtin: true,
		Description: "An object of lists: the items grouped by the value computed for each.",
		Example:     `groupBy([{"c": "DE"}, {"c": "FR"}, {"c": "DE"}], .c)["DE"]`, Result: `[{"c":"DE"},{"c":"DE"}]`},
}

func fnGet(args ...any) (any, error) {
	path, err := argText("get", args[1])
	if err != nil {
		return nil, err
	}
	def := optional(args, 2, nil)
	cur := args[0]
	for _, p := range strings.Split(path, ".") {
		switch x := cur.(type) {
		case map[string]any:
			v, ok := x[p]
			if !ok {
				return def, nil
			}
			cur = v
		default:
			l, ok := asList(cur)
			i, err := strconv.Atoi(p)
			if !ok || cur == nil || err != nil || i < 0 || i >= len(l) {
				return def, nil
			}
			cur = l[i]
		}
	}
	if cur == nil {
		return def, nil
	}
	return cur, nil
}

func sortedObjectKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func fnKeys(args ...any) (any, error) {
	m, err := argObject("keys", args[0])
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(m))
	for _, k := range sortedObjectKeys(m) {
		out = append(out, k)
	}
	return out, nil
}

func fnValues(args ...any) (any, error) {
	m, err := argObject("values", args[0])
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(m))
	for _, k := range sortedObjectKeys(m) {
		out = append(out, m[k])
	}
	return out, nil
}

func pickOmit(name string, keep bool) func(args ...any) (any, error) {
	return func(args ...any) (any, error) {
		m, err := argObject(name, args[0])
		if err != nil {
			return nil, err
		}
		names := map[string]bool{}
		for _, a := range args[1:] {
			list, ok := asList(a)
			if !ok || a == nil {
				list = []any{a}
			}
			for _, n := range list {
				s, err := argText(name, n)
				if err != nil {
					return nil, err
				}
				names[s] = true
			}
		}
		out := make(map[string]any, len(m))
		for k, v := range m {
			if names[k] == keep {
				out[k] = v
			}
		}
		return out, nil
	}
}

func fnMerge(args ...any) (any, error) {
	out := map[string]any{}
	for _, a := range args {
		m, err := argObject("merge", a)
		if err != nil {
			return nil, err
		}
		for k, v := range m {
			out[k] = v
		}
	}
	return out, nil
}

// equal compares values as a person would: 1 and 1.0 are equal, "1" and 1
// are not.
func equal(a, b any) bool {
	if isNumber(a) && isNumber(b) {
		return toFloat(a) == toFloat(b)
	}
	return describe(a) == describe(b) && Text(a) == Text(b)
}

func fnUnique(args ...any) (any, error) {
	list, err := argList("unique", args[0])
	if err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(list))
	out := make([]any, 0, len(list))
	for _, e := range list {
		key := describe(e) + "\x00" + Text(e)
		if isNumber(e) {
			key = "n\x00" + Text(toFloat(e))
		}
		if !seen[key] {
			seen[key] = true
			out = append(out, e)
		}
	}
	return out, nil
}

func fnSortBy(args ...any) (any, error) {
	list, err := argList("sort_by", args[0])
	if err != nil {
		return nil, err
	}
	field, err := argText("sort_by", args[1])
	if err != nil {
		return nil, err
	}
	desc := strings.HasPrefix(field, "-")
	field = strings.TrimPrefix(field, "-")
	out := append([]any(nil), list...)
	key := func(i int) any {
		if m, ok := out[i].(map[string]any); ok {
			return m[field]
		}
		return nil
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := key(i), key(j)
		if a == nil || b == nil {
			return a != nil
		}
		if desc {
			return less(b, a)
		}
		return less(a, b)
	})
	return out, nil
}

// less orders numbers by value, text alphabetically, and numbers before
// text, so mixed data still sorts the same way every time.
func less(a, b any) bool {
	an, bn := isNumber(a), isNumber(b)
	switch {
	case an && bn:
		return toFloat(a) < toFloat(b)
	case an != bn:
		return an
	}
	return Text(a) < Text(b)
}
