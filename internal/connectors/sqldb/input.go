package sqldb

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"github.com/bistro-dev/bistro/connector"
)

// text reads an optional text setting.
func text(in map[string]any, name string) (string, error) {
	switch v := in[name].(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	}
	return "", connector.Permanent(fmt.Errorf("'%s' must be text", name))
}

// flag reads an optional true/false setting.
func flag(in map[string]any, name string) (bool, error) {
	switch v := in[name].(type) {
	case nil:
		return false, nil
	case bool:
		return v, nil
	}
	return false, connector.Permanent(fmt.Errorf("'%s' must be true or false", name))
}

// Int reads an optional whole number of a connection's settings or an
// action's input, given as int, int64, float64 or json.Number.
func Int(in map[string]any, name string, def int) (int, error) {
	v, ok := in[name]
	if !ok || v == nil {
		return def, nil
	}
	if i, ok := whole(v); ok {
		return int(i), nil
	}
	switch n := v.(type) {
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < math.MaxInt32 {
			return int(n), nil
		}
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return int(i), nil
		}
	}
	return 0, connector.Permanent(fmt.Errorf("'%s' must be a whole number", name))
}

// group reads an optional group of named values.
func group(in map[string]any, name string) (map[string]any, error) {
	switch v := in[name].(type) {
	case nil:
		return nil, nil
	case map[string]any:
		return v, nil
	}
	return nil, connector.Permanent(fmt.Errorf("'%s' must be a group of named values (column: value)", name))
}

// list reads an optional list.
func list(in map[string]any, name string) ([]any, error) {
	switch v := in[name].(type) {
	case nil:
		return nil, nil
	case []any:
		return v, nil
	case []string:
		out := make([]any, len(v))
		for i, s := range v {
			out[i] = s
		}
		return out, nil
	}
	return nil, connector.Permanent(fmt.Errorf("'%s' must be a list", name))
}

// columnList reads an optional list of column names.
func columnList(in map[string]any, name string) ([]Name, error) {
	items, err := list(in, name)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(items))
	for i, item := range items {
		s, ok := item.(string)
		if !ok {
			return nil, connector.Permanent(fmt.Errorf("'%s' must be a list of column names", name))
		}
		names[i] = s
	}
	return parseColumns(names)
}

// table reads the required table setting.
func table(in map[string]any) (Name, error) {
	s, err := text(in, "table")
	if err != nil {
		return Name{}, err
	}
	if s == "" {
		return Name{}, connector.Permanent(fmt.Errorf("'table' is required: the table to use"))
	}
	return ParseTable(s)
}

// row is a record's named values with their column names checked, in
// the order of their names.
type row struct {
	cols []Name
	vals []any
}

// values returns what a write writes: the 'values' setting or, when it is
// not given, the whole record.
func values(req connector.Request) (map[string]any, error) {
	v, err := group(req.Input, "values")
	if err != nil || v != nil {
		return v, err
	}
	return req.Record, nil
}

// columns checks the names of a group of values and orders them.
func columns(m map[string]any, what string) (row, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	r := row{cols: make([]Name, len(keys)), vals: make([]any, len(keys))}
	for i, k := range keys {
		c, err := ParseColumn(k)
		if err != nil {
			return row{}, fmt.Errorf("%s: %w", what, err)
		}
		r.cols[i], r.vals[i] = c, m[k]
	}
	return r, nil
}
