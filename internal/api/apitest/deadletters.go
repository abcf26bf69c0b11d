package apitest

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/bistro-dev/bistro/internal/store"
)

// AddDeadLetter puts a dead letter on the double's list.
func (b *Backend) AddDeadLetter(d store.DeadLetter) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.dead == nil {
		b.dead = map[string]store.DeadLetter{}
	}
	if d.Workspace == "" {
		d.Workspace = store.DefaultWorkspace
	}
	b.dead[d.ID] = d
}

// ListDeadLetters lists the workspace's dead letters, newest first.
func (b *Backend) ListDeadLetters(_ context.Context, ws, flow string, limit int) ([]store.DeadLetter, error) {
	if err := b.fail("ListDeadLetters"); err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.Flows[flow]; flow != "" && !ok {
		return nil, fmt.Errorf("flow %q: %w", flow, store.ErrNotFound)
	}
	var out []store.DeadLetter
	for _, d := range b.dead {
		if d.Workspace == ws && (flow == "" || d.FlowName == flow) {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(x, y store.DeadLetter) int { return -x.CreatedAt.Compare(y.CreatedAt) })
	return out[:min(len(out), store.DeadLetterLimit(limit))], nil
}

func (b *Backend) deadLetter(ws, id string) (store.DeadLetter, error) {
	d, ok := b.dead[id]
	if !ok || d.Workspace != ws {
		return d, fmt.Errorf("dead letter %s: %w", id, store.ErrNotFound)
	}
	return d, nil
}

// GetDeadLetter returns one dead letter.
func (b *Backend) GetDeadLetter(_ context.Context, ws, id string) (store.DeadLetter, error) {
	if err := b.fail("GetDeadLetter"); err != nil {
		return store.DeadLetter{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.deadLetter(ws, id)
}

// ReplayDeadLetter queues a run of the dead letter's flow and deletes it.
func (b *Backend) ReplayDeadLetter(_ context.Context, ws, id string) (store.Run, error) {
	if err := b.fail("ReplayDeadLetter"); err != nil {
		return store.Run{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	d, err := b.deadLetter(ws, id)
	if err != nil {
		return store.Run{}, err
	}
	delete(b.dead, id)
	b.nextID++
	r := store.Run{ID: fmt.Sprintf("run-%d", b.nextID), Workspace: ws, FlowID: d.FlowID, FlowName: d.FlowName,
		Trigger: "event", Input: []byte("[" + strings.TrimSpace(string(d.Record)) + "]"), Status: store.StatusQueued,
		ParentID: d.RunID, CreatedAt: T0}
	b.Runs[r.ID] = r
	return r, nil
}

// DeleteDeadLetter deletes one dead letter.
func (b *Backend) DeleteDeadLetter(_ context.Context, ws, id string) error {
	if err := b.fail("DeleteDeadLetter"); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, err := b.deadLetter(ws, id); err != nil {
		return err
	}
	delete(b.dead, id)
	return nil
}
