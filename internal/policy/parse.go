package policy

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// FieldError is one problem in a policy document, at its place.
type FieldError struct {
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
	// Field is where in the document, e.g. "rules[2].deny.classes[0]".
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// Error formats the problem like a compiler: file:line:column: field: message.
func (e FieldError) Error() string {
	var b strings.Builder
	b.WriteString(cmpOr(e.File, "policy"))
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Message)
	return b.String()
}

// Errors is every problem found in a policy document.
type Errors []FieldError

// Error lists the problems, one per line.
func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

// document is a policy file as written: a section left out keeps its
// defaults, so a small file only lists its rules.
type document struct {
	Classes    []Class     `yaml:"classes"`
	Groups     []Group     `yaml:"groups"`
	Rules      []Rule      `yaml:"rules"`
	Declassify *declassify `yaml:"declassify"`
}

type declassify struct {
	Drop *Declassifier `yaml:"drop"`
	Mask *Declassifier `yaml:"mask"`
	Hash *Declassifier `yaml:"hash"`
}

// Parse reads a policy document (YAML or JSON) and checks it. Sections it
// leaves out (classes, groups, declassify) keep the defaults of Default;
// rules left out are none. Every problem is reported, each as a
// FieldError at its line and column, together as Errors.
func Parse(data []byte, file string) (Set, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return Set{}, Errors{{File: file, Line: 1, Column: 1, Message: "the policy file is empty"}}
	}
	if len(data) > maxPolicySize {
		return Set{}, Errors{{File: file, Line: 1, Column: 1, Message: fmt.Sprintf("the policy file is larger than %d KB", maxPolicySize>>10)}}
	}
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return Set{}, Errors{yamlError(file, err)}
	}
	if e, bad := plainYAML(f); bad {
		e.File = file
		return Set{}, Errors{e}
	}
	var doc document
	if err := decodeYAML(data, &doc); err != nil {
		return Set{}, Errors{yamlError(file, err)}
	}
	s := Set{Classes: doc.Classes, Groups: doc.Groups, Rules: doc.Rules, Declassify: DefaultDeclassify()}
	if s.Classes == nil {
		s.Classes = DefaultClasses()
	}
	if s.Groups == nil {
		s.Groups = DefaultGroups()
	}
	if d := doc.Declassify; d != nil {
		s.Declassify = Declassify{Drop: deref(d.Drop), Mask: deref(d.Mask), Hash: deref(d.Hash)}
	}
	problems := s.problems()
	if len(problems) == 0 {
		return s, nil
	}
	for i := range problems {
		problems[i].File = file
		problems[i].Line, problems[i].Column = position(f, problems[i].Field)
	}
	return s, problems
}

func deref(d *Declassifier) Declassifier {
	if d == nil {
		return Declassifier{}
	}
	return *d
}

// Validate checks a Set built in code or decoded from JSON; errors carry
// the field but no position.
func (s Set) Validate() error {
	if p := s.problems(); len(p) > 0 {
		return p
	}
	return nil
}

// maxPolicySize caps a policy document: a policy is a page of rules.
const maxPolicySize = 1 << 20

// plainYAML refuses what a policy never needs and a hostile document
// could use to make decoding explode or hang: anchors, aliases, merge keys
// and tags.
func plainYAML(f *ast.File) (FieldError, bool) {
	var found FieldError
	bad := false
	for _, d := range f.Docs {
		if d == nil || d.Body == nil {
			continue
		}
		ast.Walk(visitFunc(func(n ast.Node) bool {
			if bad {
				return false
			}
			var what string
			switch x := n.(type) {
			case *ast.AnchorNode, *ast.AliasNode:
				what = "anchors and aliases (&name, *name)"
			case *ast.MergeKeyNode:
				what = "merge keys (<<)"
			case *ast.TagNode:
				what = "tags (!" + strings.TrimPrefix(x.Start.Value, "!") + ")"
			default:
				return true
			}
			bad = true
			found = FieldError{Message: what + " are not supported in a policy: write the settings out"}
			if t := n.GetToken(); t != nil && t.Position != nil {
				found.Line, found.Column = t.Position.Line, t.Position.Column
			}
			return false
		}), d.Body)
	}
	return found, bad
}

type visitFunc func(ast.Node) bool

func (f visitFunc) Visit(n ast.Node) ast.Visitor {
	if f(n) {
		return f
	}
	return nil
}

// decodeYAML decodes a policy document. The YAML library panics on some
// malformed input (tags in odd places); that is an unreadable document,
// not a crash.
func decodeYAML(data []byte, doc *document) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("it cannot be read (%v)", p)
		}
	}()
	return yaml.UnmarshalWithOptions(data, doc, yaml.DisallowUnknownField())
}

// yamlError turns a decoding error into a located problem.
func yamlError(file string, err error) FieldError {
	var ye yaml.Error
	if errors.As(err, &ye) && ye.GetToken() != nil && ye.GetToken().Position != nil {
		p := ye.GetToken().Position
		msg := ye.GetMessage()
		msg = strings.Replace(msg, "unknown field", "unknown setting", 1)
		return FieldError{File: file, Line: p.Line, Column: p.Column, Field: strings.TrimPrefix(strings.TrimPrefix(p.String(), "$"), "."),
			Message: msg}
	}
	return FieldError{File: file, Message: "this is not a valid policy document: " + err.Error()}
}

// position finds where the value at field (e.g. "rules[1].deny.classes[0]")
// starts, or of its closest parent that is written.
func position(f *ast.File, field string) (int, int) {
	if f == nil {
		return 0, 0
	}
	for {
		path := "$"
		if field != "" {
			path += "." + field
		}
		if p, err := yaml.PathString(path); err == nil {
			if n, err := p.FilterFile(f); err == nil && n != nil {
				if line, col := nodeStart(n); line > 0 {
					return line, col
				}
			}
		}
		if field == "" {
			return 1, 1
		}
		field = parentField(field)
	}
}

// nodeStart is where a node starts: a mapping at its first key.
func nodeStart(n ast.Node) (int, int) {
	switch m := n.(type) {
	case *ast.MappingNode:
		if len(m.Values) > 0 {
			return nodeStart(m.Values[0].Key)
		}
	case *ast.MappingValueNode:
		return nodeStart(m.Key)
	}
	if t := n.GetToken(); t != nil && t.Position != nil {
		return t.Position.Line, t.Position.Column
	}
	return 0, 0
}

// parentField drops the last element of a field path.
func parentField(field string) string {
	i := strings.LastIndexAny(field, ".[")
	if i < 0 {
		return ""
	}
	return field[:i]
}

var idPattern = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)

// checker collects the problems of a Set.
type checker struct {
	s        Set
	problems Errors
}

func (c *checker) add(field, format string, args ...any) {
	c.problems = append(c.problems, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

func (s Set) problems() Errors {
	c := &checker{s: s}
	c.classes()
	c.groups()
	seen := map[string]int{}
	for i, r := range s.Rules {
		at := fmt.Sprintf("rules[%d]", i)
		if r.ID == "" {
			c.add(at+".id", "every rule needs an id, e.g. no-personal-to-chat")
		} else if first, dup := seen[r.ID]; dup {
			c.add(at+".id", "there are two rules with the id '%s' (the first is rule %d)", r.ID, first+1)
		} else {
			seen[r.ID] = i
		}
		c.rule(r, at)
	}
	c.declassifier(s.Declassify.Drop, "declassify.drop")
	c.declassifier(s.Declassify.Mask, "declassify.mask")
	c.declassifier(s.Declassify.Hash, "declassify.hash")
	return c.problems
}

func (c *checker) classes() {
	labels := map[string]string{}
	for i, cl := range c.s.Classes {
		at := fmt.Sprintf("classes[%d]", i)
		if !idPattern.MatchString(cl.ID) {
			c.add(at+".id", "'%s' is not a usable class id: use lower case letters, digits, '-' and '_', starting with a letter", cl.ID)
			continue
		}
		for j, l := range append([]string{cl.ID}, cl.Labels...) {
			key := strings.ToLower(l)
			field := at + ".id"
			if j > 0 {
				field = fmt.Sprintf("%s.labels[%d]", at, j-1)
			}
			if other, dup := labels[key]; dup {
				c.add(field, "'%s' already means the class '%s'", l, other)
				continue
			}
			labels[key] = cl.ID
		}
	}
}

func (c *checker) groups() {
	seen := map[string]bool{}
	for i, g := range c.s.Groups {
		at := fmt.Sprintf("groups[%d]", i)
		switch key := strings.ToLower(g.Name); {
		case strings.TrimSpace(g.Name) == "":
			c.add(at+".name", "every group needs a name, e.g. external messaging")
		case seen[key]:
			c.add(at+".name", "there are two groups called '%s'", g.Name)
		default:
			seen[key] = true
		}
		if len(g.Connectors) == 0 {
			c.add(at+".connectors", "the group '%s' lists no connectors", g.Name)
		}
	}
}

func (c *checker) rule(r Rule, at string) {
	kinds := r.kinds()
	switch {
	case len(kinds) == 0:
		c.add(at, "the rule '%s' says nothing: give it one of deny, only, hosts and schedule", r.ID)
		return
	case len(kinds) > 1:
		c.add(at, "the rule '%s' has both '%s' and '%s': make two rules", r.ID, kinds[0], kinds[1])
	}
	if r.Deny != nil {
		c.classList(r.Deny.Classes, at+".deny.classes")
		c.targets(r.Deny.To, at+".deny.to")
	}
	if r.Only != nil {
		c.classList(r.Only.Classes, at+".only.classes")
		if len(r.Only.Labels) == 0 {
			c.add(at+".only.labels", "say which label a connection must carry, e.g. [finance-approved]")
		}
	}
	if r.Hosts != nil {
		if len(r.Hosts.Allow) == 0 {
			c.add(at+".hosts.allow", "list the hosts that are allowed, e.g. [\"*.example.com\"]")
		}
		c.patterns(r.Hosts.Allow, at+".hosts.allow")
	}
	if r.Schedule != nil {
		d, err := time.ParseDuration(r.Schedule.MinInterval)
		if err != nil || d <= 0 {
			c.add(at+".schedule.min_interval", "'%s' is not a duration such as 5m or 1h", r.Schedule.MinInterval)
		}
	}
}

func (c *checker) classList(ids []string, at string) {
	if len(ids) == 0 {
		c.add(at, "say which classes the rule is about, e.g. [personal]")
	}
	for i, id := range ids {
		if _, ok := c.s.Class(id); !ok {
			c.add(fmt.Sprintf("%s[%d]", at, i), "there is no class '%s'%s", id, c.known())
		}
	}
}

func (c *checker) known() string {
	ids := make([]string, len(c.s.Classes))
	for i, cl := range c.s.Classes {
		ids[i] = cl.ID
	}
	return "; the classes are " + strings.Join(ids, ", ")
}

func (c *checker) targets(t Targets, at string) {
	if len(t.Groups)+len(t.Connectors)+len(t.Connections)+len(t.Hosts)+len(t.Kinds) == 0 {
		c.add(at, "say where the classes may not go: groups, connectors, connections, hosts or kinds")
	}
	for i, g := range t.Groups {
		if _, ok := c.s.Group(g); !ok {
			c.add(fmt.Sprintf("%s.groups[%d]", at, i), "there is no group '%s'", g)
		}
	}
	for i, k := range t.Kinds {
		if !validKind(k) {
			c.add(fmt.Sprintf("%s.kinds[%d]", at, i), "'%s' is not a kind of destination: use action, http, respond or call", k)
		}
	}
	c.patterns(t.Hosts, at+".hosts")
}

func (c *checker) patterns(list []string, at string) {
	for i, p := range list {
		if err := checkPattern(p); err != nil {
			c.add(fmt.Sprintf("%s[%d]", at, i), "%v", err)
		}
	}
}

func (c *checker) declassifier(d Declassifier, at string) {
	for i, id := range d.Classes {
		if _, ok := c.s.Class(id); !ok {
			c.add(fmt.Sprintf("%s.classes[%d]", at, i), "there is no class '%s'%s", id, c.known())
		}
	}
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
