package engine

import (
	"bufio"
	"container/heap"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"
)

// SortChunk is how many records a sort holds in memory. Beyond it, each
// chunk is sorted and written to a temporary file, and the files are merged
// at the end, so a sort of any size uses the memory of one chunk (plus a
// record per file while merging).
const SortChunk = 100_000

func init() {
	// Values a record may hold, so that they survive a trip to disk.
	gob.Register(map[string]any{})
	gob.Register([]any{})
	gob.Register(time.Time{})
	gob.Register(json.Number(""))
}

// sortRow is a held record as written to a sort file.
type sortRow struct {
	Keys             []any
	Rec              map[string]any
	Index            int
	Line, Loop, Errs map[string]any
}

// spillRun is one sorted chunk on disk.
type spillRun struct {
	f   *os.File
	dec *gob.Decoder
}

// spill sorts the records in memory and writes them to a new file.
func (p *sortProc) spill(o *op) error {
	f, err := os.CreateTemp(o.r.plan.tempDir, "bistro-sort-*")
	if err != nil {
		return fmt.Errorf("sort could not make a temporary file for its records: %w", err)
	}
	o.r.cleanup(func() { f.Close(); os.Remove(f.Name()) })
	w := bufio.NewWriter(f)
	enc := gob.NewEncoder(w)
	w2 := len(p.k.keys)
	for _, i := range p.order() {
		it := p.held[i]
		row := sortRow{Keys: p.keys[i*w2 : (i+1)*w2], Rec: it.rec, Index: it.index, Line: it.line, Loop: it.loop, Errs: it.err}
		if err := enc.Encode(&row); err != nil {
			return fmt.Errorf("sort could not write a record to its temporary file: %w", err)
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("sort could not write its temporary file: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	p.runs = append(p.runs, &spillRun{f: f, dec: gob.NewDecoder(bufio.NewReader(f))})
	clear(p.held)
	p.held, p.keys = p.held[:0], p.keys[:0]
	return nil
}

// next reads the run's next row; ok is false at its end.
func (s *spillRun) next() (sortRow, bool, error) {
	var row sortRow
	err := s.dec.Decode(&row)
	if errors.Is(err, io.EOF) {
		return row, false, nil
	}
	if err != nil {
		return row, false, fmt.Errorf("sort could not read back its temporary file: %w", err)
	}
	return row, true, nil
}

// merge emits the spilled runs and the records in memory in order.
func (p *sortProc) merge(o *op) error {
	if len(p.held) > 0 {
		if err := p.spill(o); err != nil {
			return err
		}
	}
	h := &mergeHeap{desc: p.k.desc}
	for i, run := range p.runs {
		row, ok, err := run.next()
		if err != nil {
			return err
		}
		if ok {
			h.rows = append(h.rows, mergeRow{row: row, run: i})
		}
	}
	heap.Init(h)
	for h.Len() > 0 {
		top := &h.rows[0]
		it := item{rec: top.row.Rec, index: top.row.Index, line: top.row.Line, loop: top.row.Loop, err: top.row.Errs}
		if err := o.emitHeld(it); err != nil {
			return err
		}
		row, ok, err := p.runs[top.run].next()
		if err != nil {
			return err
		}
		if ok {
			top.row = row
			heap.Fix(h, 0)
		} else {
			heap.Pop(h)
		}
	}
	p.runs = nil
	return nil
}

type mergeRow struct {
	row sortRow
	run int // earlier runs hold earlier records: ties go to them, keeping the sort stable
}

// mergeHeap is a min-heap of the runs' current rows.
type mergeHeap struct {
	rows []mergeRow
	desc bool
}

func (h *mergeHeap) Len() int { return len(h.rows) }
func (h *mergeHeap) Less(a, b int) bool {
	ra, rb := h.rows[a], h.rows[b]
	for j := range ra.row.Keys {
		if c := sortCompare(ra.row.Keys[j], rb.row.Keys[j], h.desc); c != 0 {
			return c < 0
		}
	}
	return ra.run < rb.run
}
func (h *mergeHeap) Swap(a, b int) { h.rows[a], h.rows[b] = h.rows[b], h.rows[a] }
func (h *mergeHeap) Push(x any)    { h.rows = append(h.rows, x.(mergeRow)) }
func (h *mergeHeap) Pop() any {
	last := h.rows[len(h.rows)-1]
	h.rows = h.rows[:len(h.rows)-1]
	return last
}

// order returns the positions of the held records in sorted order.
func (p *sortProc) order() []int {
	w := len(p.k.keys)
	order := make([]int, len(p.held))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		for j := range w {
			if c := sortCompare(p.keys[a*w+j], p.keys[b*w+j], p.k.desc); c != 0 {
				return c
			}
		}
		return 0
	})
	return order
}
