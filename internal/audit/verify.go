package audit

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/bistro-dev/bistro/internal/store"
)

// Report is what Verify found.
type Report struct {
	Events   int64  // events read
	First    int64  // the seq of the first event read
	Head     int64  // the seq of the last event; 0 for an empty log
	HeadHash string // its hash
	Problems []Problem
	// Notes say what could not be fully protected, e.g. events hashed
	// before the key was set; they are not problems.
	Notes []string
}

// OK reports whether the log showed no sign of tampering.
func (r Report) OK() bool { return len(r.Problems) == 0 }

// Problem is one sign of tampering, in plain words.
type Problem struct {
	Seq     int64 // the first event it concerns; 0 for the log as a whole
	Message string
}

// Source is a log to verify: a store, or an export read back.
type Source interface {
	ListAudit(ctx context.Context, f store.AuditFilter) ([]store.AuditEvent, error)
	AuditCheckpoints(ctx context.Context) ([]store.AuditCheckpoint, error)
}

// pageSize is how many events Verify reads at a time.
const pageSize = 1000

// Verify reads the whole log in order and checks every event's hash, the
// links between events, that no seq is missing, and that the log reaches
// every checkpoint. Events keyed with a key c does not have cannot be
// checked: they are problems too, since nothing can be said of them.
func Verify(ctx context.Context, src Source, c Chain) (Report, error) {
	cps, err := src.AuditCheckpoints(ctx)
	if err != nil {
		return Report{}, err
	}
	events := func(yield func(store.AuditEvent, error) bool) {
		var after int64
		for {
			page, err := src.ListAudit(ctx, store.AuditFilter{After: after, Oldest: true, Limit: pageSize})
			if err != nil {
				yield(store.AuditEvent{}, err)
				return
			}
			for _, e := range page {
				if !yield(e, nil) {
					return
				}
			}
			if len(page) < pageSize {
				return
			}
			after = page[len(page)-1].Seq
		}
	}
	return VerifyEvents(events, cps, c)
}

// VerifyEvents checks events given in the order of their seq (e.g. an
// export read back) against the checkpoints known of them.
func VerifyEvents(events iter.Seq2[store.AuditEvent, error], checkpoints []store.AuditCheckpoint, c Chain) (Report, error) {
	return verifyEvents(events, checkpoints, c, false)
}

// VerifyPart checks part of a log, e.g. an export of the events after a
// seq: it starts at its first event, whose link to the event before it
// cannot be checked.
func VerifyPart(events iter.Seq2[store.AuditEvent, error], c Chain) (Report, error) {
	return verifyEvents(events, nil, c, true)
}

func verifyEvents(events iter.Seq2[store.AuditEvent, error], checkpoints []store.AuditCheckpoint, c Chain, part bool) (Report, error) {
	v := &verifier{chain: c, checkpoints: map[int64][]store.AuditCheckpoint{}, all: checkpoints, part: part}
	for _, cp := range checkpoints {
		if cp.Seq > 0 {
			v.checkpoints[cp.Seq] = append(v.checkpoints[cp.Seq], cp)
		}
	}
	for e, err := range events {
		if err != nil {
			return Report{}, err
		}
		v.add(e)
	}
	return v.finish(), nil
}

// hashState is what checking an event's own hash found.
type hashState int

const (
	hashGood      hashState = iota
	hashBad                 // changed
	hashUnchecked           // keyed with a key not given
)

// moveWindow is how far Verify looks for the place an event that fails
// its hash was recorded at, to tell a reordered event from a changed one.
const moveWindow = 16

type verifier struct {
	chain       Chain
	checkpoints map[int64][]store.AuditCheckpoint
	all         []store.AuditCheckpoint
	part        bool // the events may start past event 1
	rep         Report
	last        store.AuditEvent // the last event read
	lastState   hashState
	firstKeyed  int64            // the first event keyed with the chain's key
	plain       span             // plain events before it, when the chain has a key
	unchecked   map[string]*span // by key id: events keyed with a key not given
}

// span is a range of seqs.
type span struct{ from, to int64 }

func (s *span) add(seq int64) {
	if s.from == 0 {
		s.from = seq
	}
	s.to = seq
}

func (v *verifier) problem(seq int64, format string, args ...any) {
	v.rep.Problems = append(v.rep.Problems, Problem{Seq: seq, Message: fmt.Sprintf(format, args...)})
}

func (v *verifier) add(e store.AuditEvent) {
	if v.rep.Events == 0 {
		v.rep.First = e.Seq
		if v.part && e.Seq > 1 {
			v.last = store.AuditEvent{Seq: e.Seq - 1, Hash: e.PrevHash}
		}
	}
	expected := v.last.Seq + 1
	switch {
	case e.Seq < 1:
		v.problem(0, "an event is numbered %d, which no event can be: the log was edited", e.Seq)
		return
	case e.Seq < expected:
		v.problem(e.Seq, "event %d comes again after event %d: the events are out of order", e.Seq, v.last.Seq)
		return
	case e.Seq > expected:
		v.problem(expected, "%s missing", plural(expected, e.Seq-1, "is", "are"))
	}
	state := v.checkHash(e)
	if e.Seq == expected && state == hashGood && v.lastState != hashBad && e.PrevHash != v.last.Hash {
		if expected == 1 {
			v.problem(e.Seq, "event %d does not start the chain: it links to an event before it", e.Seq)
		} else {
			v.problem(v.last.Seq, "event %d was changed (its hash was computed again, but event %d still links to the original)", v.last.Seq, e.Seq)
		}
	}
	if state == hashGood {
		v.checkCheckpoints(e)
	}
	v.last, v.lastState = e, state
	v.rep.Events++
}

// checkCheckpoints compares an event whose hash matches its content with
// the checkpoints of its seq: one that differs means the event was
// rewritten with its hash computed again (an event that fails its own
// hash is reported already).
func (v *verifier) checkCheckpoints(e store.AuditEvent) {
	var places []string
	for _, cp := range v.checkpoints[e.Seq] {
		if cp.Hash != e.Hash {
			places = append(places, cp.Where+" (of "+when(cp.At)+")")
		}
	}
	if len(places) > 0 {
		v.problem(e.Seq, "event %d does not match its checkpoint in %s: the log up to it was rewritten", e.Seq, strings.Join(places, " and "))
	}
}

// checkHash checks the event's own hash with the key it was hashed with.
func (v *verifier) checkHash(e store.AuditEvent) hashState {
	c, ok := v.chainFor(e)
	if !ok {
		return hashUnchecked
	}
	if c.hash(e) == e.Hash {
		return hashGood
	}
	for d := int64(-moveWindow); d <= moveWindow; d++ {
		moved := e
		moved.Seq += d
		if d != 0 && moved.Seq > 0 && c.hash(moved) == e.Hash {
			v.problem(e.Seq, "event %d was moved: it was recorded as event %d (the events were reordered)", e.Seq, moved.Seq)
			return hashBad
		}
	}
	v.problem(e.Seq, "event %d was changed (its hash does not match)", e.Seq)
	return hashBad
}

// chainFor is the chain that hashed the event, when it is known.
func (v *verifier) chainFor(e store.AuditEvent) (Chain, bool) {
	switch {
	case e.KeyID != "" && e.KeyID == v.chain.keyID:
		if v.firstKeyed == 0 {
			v.firstKeyed = e.Seq
		}
		return v.chain, true
	case e.KeyID != "":
		if v.unchecked == nil {
			v.unchecked = map[string]*span{}
		}
		if v.unchecked[e.KeyID] == nil {
			v.unchecked[e.KeyID] = &span{}
		}
		v.unchecked[e.KeyID].add(e.Seq)
		return Chain{}, false
	case v.chain.keyID != "" && v.firstKeyed > 0:
		v.problem(e.Seq, "event %d has a plain hash although event %d before it is keyed: it was rewritten without the key, or the server stopped using %s", e.Seq, v.firstKeyed, EnvKey)
	case v.chain.keyID != "":
		v.plain.add(e.Seq)
	}
	return Chain{}, true
}

func (v *verifier) finish() Report {
	for id, s := range v.unchecked {
		if v.chain.keyID == "" {
			v.problem(s.from, "%s keyed hashes (key id %s) and could not be checked: set %s to the server's key", plural(s.from, s.to, "has", "have"), id, EnvKey)
		} else {
			v.problem(s.from, "%s hashes keyed with another key (id %s) than %s (id %s) and could not be checked", plural(s.from, s.to, "has", "have"), id, EnvKey, v.chain.keyID)
		}
	}
	if v.plain.from > 0 {
		v.rep.Notes = append(v.rep.Notes, fmt.Sprintf("%s plain SHA-256 hashes (written before %s was set): someone with access to the database could rewrite them without the key",
			plural(v.plain.from, v.plain.to, "has", "have"), EnvKey))
	}
	v.checkHead()
	slices.SortStableFunc(v.rep.Problems, func(a, b Problem) int { return cmp.Compare(order(a.Seq), order(b.Seq)) })
	v.rep.Head, v.rep.HeadHash = v.last.Seq, v.last.Hash
	return v.rep
}

// checkHead checks that the log reaches its newest checkpoint.
func (v *verifier) checkHead() {
	var newest store.AuditCheckpoint
	for _, cp := range v.all {
		if cp.Unreadable != "" {
			v.problem(0, "%s: a checkpoint is written there with the events, and removing it can hide removed events", cp.Unreadable)
		}
		if cp.Seq > newest.Seq {
			newest = cp
		}
	}
	if newest.Seq > v.last.Seq {
		v.problem(v.last.Seq+1, "%s removed after the last checkpoint (in %s, of %s)",
			plural(v.last.Seq+1, newest.Seq, "was", "were"), newest.Where, when(newest.At))
	}
}

// order sorts problems by event, those of the whole log last.
func order(seq int64) int64 {
	if seq == 0 {
		return math.MaxInt64
	}
	return seq
}

// plural names one event or a range: "event 43 is", "events 50–52 are".
func plural(from, to int64, one, many string) string {
	if from == to {
		return fmt.Sprintf("event %d %s", from, one)
	}
	return fmt.Sprintf("events %d–%d %s", from, to, many)
}

func when(t time.Time) string {
	if t.IsZero() {
		return "an unknown time"
	}
	return t.UTC().Format(time.DateTime) + " UTC"
}
