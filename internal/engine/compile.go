package engine

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/bistro-dev/bistro/internal/expr"
	"github.com/bistro-dev/bistro/internal/flow"
)

// MaxHeld is how many groups, keys or records one group, dedupe, join,
// for_each into or call may hold.
const MaxHeld = 1_000_000

// Plan is a compiled flow, ready to run any number of times, also at once.
type Plan struct {
	doc     *flow.Document
	opts    Options
	varKeys []string
	vars    map[string]*expr.Value
	steps   []*step
	ids     []string // step ids in flow order, for the stats

	// Seams for tests: ids, jitter and the hold limit.
	newID     func() string
	random    func() float64
	holdLimit int
	sortChunk int    // records a sort holds in memory before it spills
	tempDir   string // where sorts spill; "" is the system's
	serial    bool   // never run steps on workers
}

// step is one compiled step; it holds no run state.
type step struct {
	id       string
	stat     int // index in Result.Steps
	when     *expr.Program
	retry    *retryPolicy
	onError  string  // fail, skip, continue or steps
	errSteps []*step // the error branch when onError is "steps"
	keep     bool    // keep the record in steps.ID for later expressions
	kind     kind
}

// Compile compiles every expression of the flow once.
func Compile(doc *flow.Document, opts Options) (*Plan, error) {
	if doc == nil || doc.Flow == nil {
		return nil, fmt.Errorf("there is no flow to run")
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultBatchSize
	}
	p := &Plan{doc: doc, opts: opts, newID: uuid.NewString, random: cryptoFloat, holdLimit: MaxHeld, sortChunk: SortChunk}
	c := &compiler{plan: p, lineage: map[string]bool{}}
	if err := c.flowVars(doc.Flow.Vars); err != nil {
		return nil, err
	}
	steps, err := c.steps(doc.Flow.Steps, flow.Scope{}, true)
	if err != nil {
		return nil, err
	}
	p.steps = steps
	c.markLineage(steps)
	return p, nil
}

// compiler carries what compiling one flow collects on the way.
type compiler struct {
	plan       *Plan
	lineage    map[string]bool // step ids some expression reads as steps.ID
	lineageAll bool            // an expression reads steps as a whole
	seen       map[string]bool
}

func (c *compiler) flowVars(vars map[string]any) error {
	c.plan.vars = make(map[string]*expr.Value, len(vars))
	allowed := flow.Scope{VarsOnly: true}.Vars()
	for name, v := range vars {
		cv, err := expr.CompileValue(v, allowed)
		if err != nil {
			return fmt.Errorf("flow variable '%s': %w", name, err)
		}
		c.plan.vars[name] = cv
		c.plan.varKeys = append(c.plan.varKeys, name)
	}
	slices.Sort(c.plan.varKeys)
	return nil
}

// steps compiles a list of steps. main says whether they are on the main
// line, where a limit may stop reading the input.
func (c *compiler) steps(list []flow.Step, scope flow.Scope, main bool) ([]*step, error) {
	out := make([]*step, 0, len(list))
	for i := range list {
		s, err := c.step(&list[i], scope, main)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func (c *compiler) step(fs *flow.Step, scope flow.Scope, main bool) (*step, error) {
	if c.seen == nil {
		c.seen = map[string]bool{}
	}
	if fs.ID == "" {
		return nil, fmt.Errorf("a step has no id")
	}
	if c.seen[fs.ID] {
		return nil, fmt.Errorf("two steps are called '%s'; step ids must be unique", fs.ID)
	}
	c.seen[fs.ID] = true
	s := &step{id: fs.ID, stat: len(c.plan.ids), onError: "fail"}
	c.plan.ids = append(c.plan.ids, fs.ID)
	if err := c.common(s, fs, scope); err != nil {
		return nil, fmt.Errorf("step '%s': %w", fs.ID, err)
	}
	k, err := c.kind(fs, scope, main)
	if err != nil {
		return nil, fmt.Errorf("step '%s': %w", fs.ID, err)
	}
	s.kind = k
	if fs.HTTP != nil {
		s.retry = nil // the HTTP step retries each request itself
	}
	if fs.OnError != nil && len(fs.OnError.Steps) > 0 {
		errScope := scope
		errScope.Error = true
		if s.errSteps, err = c.steps(fs.OnError.Steps, errScope, false); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// common compiles the settings every step kind has.
func (c *compiler) common(s *step, fs *flow.Step, scope flow.Scope) error {
	var err error
	if fs.When != "" {
		if s.when, err = c.program(fs.When, scope, "when"); err != nil {
			return err
		}
	}
	if s.retry, err = compileRetry(fs.Retry); err != nil {
		return err
	}
	if fs.OnError != nil {
		switch {
		case len(fs.OnError.Steps) > 0:
			s.onError = "steps"
		case fs.OnError.Action == "", fs.OnError.Action == "fail", fs.OnError.Action == "skip", fs.OnError.Action == "continue":
			s.onError = cmpOr(fs.OnError.Action, "fail")
		default:
			return fmt.Errorf("on_error must be fail, skip, continue or a list of steps, not '%s'", fs.OnError.Action)
		}
	}
	return nil
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// program compiles an expression and notes which steps it reads.
func (c *compiler) program(src string, scope flow.Scope, what string) (*expr.Program, error) {
	p, err := expr.Compile(src, scope.Vars())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	c.refs(p.Refs())
	return p, nil
}

// value compiles a setting value (templates inside) and notes its refs.
func (c *compiler) value(v any, scope flow.Scope, what string) (*expr.Value, error) {
	cv, err := expr.CompileValue(v, scope.Vars())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	c.refs(cv.Refs())
	return cv, nil
}

// refs notes the steps an expression reads, so lineage is kept only for
// them. A reference to steps without a path keeps every step's record.
func (c *compiler) refs(refs []expr.Ref) {
	for _, r := range refs {
		if r.Var != expr.VarSteps {
			continue
		}
		if len(r.Path) == 0 {
			c.lineageAll = true
			continue
		}
		c.lineage[r.Path[0]] = true
	}
}

func (c *compiler) markLineage(steps []*step) {
	var walk func([]*step)
	walk = func(list []*step) {
		for _, s := range list {
			s.keep = c.lineageAll || c.lineage[s.id]
			walk(s.errSteps)
			if n, ok := s.kind.(nested); ok {
				for _, sub := range n.children() {
					walk(sub)
				}
			}
		}
	}
	walk(steps)
}

// nested is a step kind with steps inside (if, switch, for_each, join).
type nested interface{ children() [][]*step }

// retryPolicy is a compiled retry setting.
type retryPolicy struct {
	attempts     int
	backoff, max time.Duration
	any          bool
}

func compileRetry(r *flow.Retry) (*retryPolicy, error) {
	if r == nil {
		return nil, nil
	}
	p := &retryPolicy{attempts: r.Attempts, backoff: time.Second, max: time.Minute, any: r.On == "any"}
	if r.On != "" && r.On != "any" && r.On != "transient" {
		return nil, fmt.Errorf("retry on must be transient or any, not '%s'", r.On)
	}
	if p.attempts < 1 || p.attempts > 100 {
		return nil, fmt.Errorf("retry attempts must be between 1 and 100, not %d", r.Attempts)
	}
	var err error
	if r.Backoff != "" {
		if p.backoff, err = parseDuration(r.Backoff, "backoff"); err != nil {
			return nil, err
		}
	}
	if r.MaxBackoff != "" {
		if p.max, err = parseDuration(r.MaxBackoff, "max_backoff"); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func parseDuration(s, what string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || d < 0 {
		return 0, fmt.Errorf("retry %s '%s' is not a duration such as 2s or 1m", what, s)
	}
	return d, nil
}

// wait says how long to wait after failed try n (1-based) with err, and
// whether to try again at all. The wait grows exponentially up to the
// maximum, with equal jitter (half fixed, half random) so that many
// records failing together do not retry in lockstep; a delay the remote
// side asked for (fault's RetryAfter) is honoured when longer.
func (p *retryPolicy) wait(n int, transient bool, after time.Duration, random float64) (time.Duration, bool) {
	if p == nil || n >= p.attempts || (!p.any && !transient) {
		return 0, false
	}
	d := float64(p.backoff) * math.Pow(2, float64(n-1))
	if d > float64(p.max) {
		d = float64(p.max)
	}
	w := time.Duration(d/2 + random*d/2)
	if after > w {
		w = after
	}
	return w, true
}

// cryptoFloat is a jitter source in [0, 1).
func cryptoFloat() float64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return float64(binary.LittleEndian.Uint64(b[:])>>11) / (1 << 53)
}
