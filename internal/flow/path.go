package flow

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// segment is one step of a path: a key or a list index.
type segment struct {
	key   string
	index int // -1 for keys
}

var segmentRE = regexp.MustCompile(`^(?:\.?([A-Za-z0-9_-]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\])`)

// splitPath cuts a path such as steps[2].set["first name"] into segments.
func splitPath(path string) []segment {
	var segs []segment
	for path != "" {
		m := segmentRE.FindStringSubmatchIndex(path)
		if m == nil {
			return segs
		}
		switch {
		case m[2] >= 0:
			segs = append(segs, segment{key: path[m[2]:m[3]], index: -1})
		case m[4] >= 0:
			i, _ := strconv.Atoi(path[m[4]:m[5]])
			segs = append(segs, segment{index: i})
		default:
			k, _ := strconv.Unquote(path[m[6]:m[7]])
			segs = append(segs, segment{key: k, index: -1})
		}
		path = path[m[1]:]
	}
	return segs
}

// rawAt returns the plain value at path, or nil.
func rawAt(raw any, path string) any {
	cur := raw
	for _, s := range splitPath(path) {
		switch v := cur.(type) {
		case map[string]any:
			if s.index >= 0 {
				return nil
			}
			cur = v[s.key]
		case []any:
			if s.index < 0 || s.index >= len(v) {
				return nil
			}
			cur = v[s.index]
		default:
			return nil
		}
	}
	return cur
}

// lastKey returns the last key of a path ("email" for steps[2].set.email),
// or "" when the path ends with an index.
func lastKey(path string) string {
	segs := splitPath(path)
	if len(segs) == 0 || segs[len(segs)-1].index >= 0 {
		return ""
	}
	return segs[len(segs)-1].key
}

var stepPathRE = regexp.MustCompile(`(?:^steps|\.steps|\.then|\.else|\.default)\[(\d+)\]`)

// stepPath returns the path of the innermost step that path is inside, or "".
func stepPath(path string) string {
	locs := stepPathRE.FindAllStringIndex(path, -1)
	if len(locs) == 0 {
		return ""
	}
	return path[:locs[len(locs)-1][1]]
}

// stepName names the step at stepPath for a message: "step 'clean'", or by
// its number when it has no usable id.
func (d *Document) stepName(sp string) string {
	if m, ok := rawAt(d.Raw, sp).(map[string]any); ok {
		if id, ok := m["id"].(string); ok && id != "" {
			return fmt.Sprintf("step '%s'", id)
		}
	}
	segs := splitPath(sp)
	n := segs[len(segs)-1].index + 1
	if len(segs) == 2 {
		return fmt.Sprintf("step %d", n)
	}
	parent := segs[len(segs)-2].key
	return fmt.Sprintf("step %d of '%s' in %s", n, parent, d.stepName(stepPath(parentPath(sp))))
}

// label names the value at path for a message: 'attempts', or "item 2 of
// 'remove'" for list items.
func label(path string) string {
	segs := splitPath(path)
	if len(segs) == 0 {
		return "the flow"
	}
	last := segs[len(segs)-1]
	if last.index < 0 {
		return "'" + last.key + "'"
	}
	if len(segs) >= 2 && segs[len(segs)-2].index < 0 {
		return fmt.Sprintf("item %d of '%s'", last.index+1, segs[len(segs)-2].key)
	}
	return fmt.Sprintf("item %d", last.index+1)
}

// inside says where the object at path is, for messages: " in step 'x'",
// " in 'retry' of step 'x'", " in 'trigger'", or "" at the top of the flow.
func (d *Document) inside(path string) string {
	sp := stepPath(path)
	switch {
	case path == "":
		return ""
	case sp == "":
		return " in " + label(topKey(path))
	case sp == path:
		return " in " + d.stepName(sp)
	}
	rest := strings.TrimPrefix(path[len(sp):], ".")
	return fmt.Sprintf(" in %s of %s", label(topKey(rest)), d.stepName(sp))
}

// valueName names the value at path with where it is: "'attempts' in
// 'retry' of step 'x'".
func (d *Document) valueName(path string) string {
	return label(path) + d.inside(parentPath(path))
}

// topKey returns the first key of a path.
func topKey(path string) string {
	segs := splitPath(path)
	if len(segs) == 0 || segs[0].index >= 0 {
		return ""
	}
	return segs[0].key
}
