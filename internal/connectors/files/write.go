package files

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bistro-dev/bistro/connector"
)

// writeJob is what a batch writes to one file.
type writeJob struct {
	name, format, mode, sheet string
	columns                   []string // the fields asked for; nil: all
	delim                     rune
	bom                       bool
	owner                     string // the run and step, from the requests' keys
	rows                      []map[string]any
	// adding is set when the rows go after what the file holds: mode
	// append, or overwrite by a run's step that already replaced it.
	adding bool
	exists bool
	size   int64
}

// write runs the write action for a batch: every record is written, or
// none. Records may go to several files (a templated path); each file is
// changed as a whole at the end, and an earlier file's addition is undone
// when a later one fails.
func (c *conn) write(ctx context.Context, reqs []connector.Request, emit func(map[string]any) error) error {
	jobs, err := c.jobs(reqs)
	if err != nil {
		return err
	}
	names := make([]string, len(jobs))
	for i, j := range jobs {
		names[i] = j.name
	}
	slices.Sort(names)
	for _, n := range names {
		m := c.lock(n)
		m.Lock()
		defer m.Unlock()
	}
	changes, err := c.prepareAll(ctx, jobs)
	if err != nil {
		return err
	}
	if err := c.commitAll(changes); err != nil {
		return err
	}
	return c.finish(jobs, emit)
}

// jobs groups a batch's records by the file they go to, in order.
func (c *conn) jobs(reqs []connector.Request) ([]*writeJob, error) {
	var jobs []*writeJob
	byName := map[string]*writeJob{}
	for _, req := range reqs {
		j, err := newJob(req)
		if err != nil {
			return nil, err
		}
		if prev, ok := byName[j.name]; ok {
			prev.rows = append(prev.rows, j.rows...)
			continue
		}
		byName[j.name] = j
		jobs = append(jobs, j)
	}
	return jobs, nil
}

func newJob(req connector.Request) (*writeJob, error) {
	in := req.Input
	name, err := cleanPath(textOr(in, "path", ""))
	if err != nil {
		return nil, err
	}
	if name == "." || hasMeta(name) {
		return nil, connector.Permanent(fmt.Errorf("path must name one file to write, not '%s'", textOr(in, "path", "")))
	}
	j := &writeJob{name: name, mode: textOr(in, "mode", "append"), sheet: textOr(in, "sheet", ""), bom: flag(in, "bom", false)}
	if j.format, err = chooseFormat(textOr(in, "format", "auto"), source{name: name, format: formatOf(name)}); err != nil {
		return nil, err
	}
	if j.delim, err = parseDelimiter(textOr(in, "delimiter", ",")); err != nil {
		return nil, err
	}
	if in["columns"] != nil {
		j.columns = textList(in["columns"])
	}
	if i := strings.LastIndex(req.Key, "/"); i > 0 {
		j.owner = req.Key[:i]
	}
	row := req.Record
	if v, ok := in["values"].(map[string]any); ok {
		row = v
	}
	if row == nil {
		row = map[string]any{}
	}
	j.rows = []map[string]any{row}
	return j, nil
}

// prepareAll builds every file's change without making it visible yet.
func (c *conn) prepareAll(ctx context.Context, jobs []*writeJob) ([]*change, error) {
	var changes []*change
	for _, j := range jobs {
		if err := ctx.Err(); err != nil {
			discardAll(changes)
			return nil, err
		}
		ch, err := c.prepare(j)
		if err != nil {
			discardAll(changes)
			return nil, err
		}
		changes = append(changes, ch)
	}
	return changes, nil
}

func (c *conn) prepare(j *writeJob) (*change, error) {
	if err := c.target(j); err != nil {
		return nil, err
	}
	switch j.format {
	case "json":
		return c.prepareJSON(j)
	case "jsonl":
		return c.prepareJSONLines(j)
	case "xlsx":
		return c.prepareXLSX(j)
	}
	return c.prepareCSV(j)
}

// target looks at the file as it is and decides whether the rows go after
// what it holds.
func (c *conn) target(j *writeJob) error {
	if dir := path.Dir(j.name); dir != "." {
		if err := c.root.MkdirAll(filepath.FromSlash(dir), 0o755); err != nil {
			return fileError(dir, err)
		}
	}
	info, err := c.root.Stat(filepath.FromSlash(j.name))
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fileError(j.name, err)
	case !info.Mode().IsRegular():
		return connector.Permanent(fmt.Errorf("'%s' is a folder, not a file", j.name))
	default:
		j.exists, j.size = true, info.Size()
	}
	c.mu.Lock()
	continued := j.owner != "" && c.owners[j.name] == j.owner
	c.mu.Unlock()
	j.adding = j.mode == "append" || continued
	return nil
}

func (c *conn) commitAll(changes []*change) error {
	for i, ch := range changes {
		if err := c.commit(ch); err != nil {
			for k := i; k >= 0; k-- {
				c.undo(changes[k])
			}
			discardAll(changes[i+1:])
			return fileError(ch.name, err)
		}
	}
	return nil
}

// finish remembers which files the run's step replaced and emits one
// summary per file.
func (c *conn) finish(jobs []*writeJob, emit func(map[string]any) error) error {
	for _, j := range jobs {
		if j.mode == "overwrite" && j.owner != "" {
			c.mu.Lock()
			c.owners[j.name] = j.owner
			c.mu.Unlock()
		}
		size := int64(0)
		if info, err := c.root.Stat(filepath.FromSlash(j.name)); err == nil {
			size = info.Size()
		}
		rec := map[string]any{"path": j.name, "format": j.format, "mode": j.mode, "rows": len(j.rows), "size": int(size)}
		if err := emit(rec); err != nil {
			return err
		}
	}
	return nil
}

// headerFor decides the columns of a CSV or XLSX file: the file's own
// header when it has one, else columns, else every field of the rows in
// alphabetical order.
func headerFor(j *writeJob, existing []string) ([]string, error) {
	if len(existing) > 0 {
		for _, col := range j.columns {
			if !slices.Contains(existing, col) {
				return nil, connector.Permanent(fmt.Errorf("%s has no column '%s'; its columns are %s", j.name, col, strings.Join(existing, ", ")))
			}
		}
		return existing, nil
	}
	if len(j.columns) > 0 {
		return j.columns, nil
	}
	seen := map[string]bool{}
	var names []string
	for _, r := range j.rows {
		for k := range r {
			if !seen[k] {
				seen[k] = true
				names = append(names, k)
			}
		}
	}
	slices.Sort(names)
	return names, nil
}

// cells lays the rows out in the header's columns, refusing a field the
// file has no column for.
func cells(j *writeJob, header []string) ([][]any, error) {
	index := make(map[string]int, len(header))
	for i, h := range header {
		if _, ok := index[h]; !ok {
			index[h] = i
		}
	}
	var asked map[string]bool
	if len(j.columns) > 0 {
		asked = make(map[string]bool, len(j.columns))
		for _, col := range j.columns {
			asked[col] = true
		}
	}
	out := make([][]any, len(j.rows))
	for n, r := range j.rows {
		row := make([]any, len(header))
		for k, v := range r {
			if asked != nil && !asked[k] {
				continue
			}
			i, ok := index[k]
			if !ok {
				return nil, connector.Permanent(fmt.Errorf("record %d has a field '%s' that %s has no column for (its columns are %s); choose the fields to write with columns", n+1, k, j.name, strings.Join(header, ", ")))
			}
			row[i] = v
		}
		out[n] = row
	}
	return out, nil
}
