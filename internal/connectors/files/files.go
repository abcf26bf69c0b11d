// Package files is the files connector: it reads and writes CSV, JSON,
// JSON lines and Excel (XLSX) files in a folder the admin allowed, and
// reads uploaded files with the same parsers.
package files

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"

	"github.com/bistro-dev/bistro/connector"
)

// New returns the files connector.
func New() connector.Connector { return filesConnector{} }

type filesConnector struct{}

// Spec describes the connector: one setting, the folder, and the actions
// read, write and list.
func (filesConnector) Spec() connector.Spec {
	return connector.Spec{
		Name:        "files",
		Title:       "Files",
		Version:     "1.0.0",
		Category:    "files",
		Description: "Read and write CSV, JSON, JSON lines and Excel (XLSX) files in a folder the admin allowed, or read an uploaded file.",
		Config: []connector.Field{
			{Name: "folder", Type: connector.String, Example: "exports/daily", Help: "The folder this connection reads and writes. It must be inside a folder the admin allowed: give a path inside it (or a full path). Empty: the first allowed folder itself."},
		},
		Actions: []connector.Action{readAction(), writeAction(), listAction()},
	}
}

var formats = []string{"auto", "csv", "json", "jsonl", "xlsx"}

func readAction() connector.Action {
	text := connector.Field{Type: connector.String, Help: "A column's name."}
	return connector.Action{
		Name:        "read",
		Title:       "Read a file",
		Description: "Reads a CSV, JSON, JSON lines or XLSX file, or several matching a pattern, and passes on one record per row as it reads, so files of any size can be read. An uploaded file can be read instead, with content.",
		Input: []connector.Field{
			{Name: "path", Type: connector.String, Example: "in/*.csv", Help: "The file to read, inside the connection's folder. A pattern (* ? [abc]) reads every matching file, in name order. Give path or content."},
			{Name: "content", Type: connector.Any, Example: "{{ trigger.body.file }}", Help: "Read this instead of a file: text, or an uploaded file as a webhook gives it (an object with content or base64, and filename). Give path or content."},
			{Name: "format", Type: connector.Enum, Enum: formats, Default: "auto", Help: "The file's format; auto tells it from the name (.csv, .tsv, .json, .jsonl, .ndjson, .xlsx) or the content."},
			{Name: "delimiter", Type: connector.String, Example: ";", Help: "CSV: the character between values (, ; | or tab). Found from the file when not given."},
			{Name: "encoding", Type: connector.Enum, Enum: encodings, Default: "auto", Help: "How the text is encoded. auto reads UTF-8 (with or without a byte order mark) and UTF-16 (told by its byte order mark or its zero bytes), and otherwise Windows-1252 (Latin-1)."},
			{Name: "header", Type: connector.Bool, Default: true, Help: "CSV and XLSX: the first row holds the column names. Without it, columns are named column_1, column_2, ... or by columns."},
			{Name: "columns", Type: connector.List, Items: &text, Example: []any{"id", "name", "email"}, Help: "CSV and XLSX: names for the columns, in order, used instead of the header row's."},
			{Name: "rename", Type: connector.Object, Items: &text, Example: map[string]any{"E-mail address": "email"}, Help: "CSV and XLSX: new names for some columns, by their name in the header row."},
			{Name: "types", Type: connector.Enum, Enum: []string{"text", "auto"}, Default: "text", Help: "CSV and XLSX: text keeps every value as text; auto turns numbers into numbers and true/false into true or false (numbers with a leading zero, such as 007, stay text)."},
			{Name: "sheet", Type: connector.String, Example: "Orders", Help: "XLSX: the sheet to read; the first one when not given."},
			{Name: "on_bad_row", Type: connector.Enum, Enum: []string{"fail", "skip"}, Default: "fail", Help: "What to do with a row that cannot be read (a wrong number of values, broken quotes, a line that is not JSON): fail stops with an error naming the file and row; skip leaves it out, logs it and counts it."},
			{Name: "with_position", Type: connector.Bool, Default: false, Help: "Add _file (the file's name) and _row (the row's number in the file, the header being row 1; the item or line number for JSON) to every record."},
		},
		Output: "One record per row (CSV, XLSX), list item (JSON) or line (JSON lines), its fields named by the header row. CSV values are text unless types is auto.",
	}
}

func writeAction() connector.Action {
	text := connector.Field{Type: connector.String, Help: "A field's name."}
	return connector.Action{
		Name:        "write",
		Title:       "Write records to a file",
		Description: "Writes records to a CSV, JSON, JSON lines or XLSX file, a batch at a time, all records of a batch or none. A new file gets a header row. overwrite replaces the file with the first batch of a run's step (written aside and renamed, so readers never see half a file); the step's later batches add to it.",
		Input: []connector.Field{
			{Name: "path", Type: connector.String, Required: true, Example: "out/orders-{{ record.day }}.csv", Help: "The file to write, inside the connection's folder; a template. Missing folders are created."},
			{Name: "format", Type: connector.Enum, Enum: formats, Default: "auto", Help: "The file's format; auto tells it from the name."},
			{Name: "mode", Type: connector.Enum, Enum: []string{"append", "overwrite"}, Default: "append", Help: "append adds the records at the end of the file (creating it if needed); overwrite replaces the file."},
			{Name: "values", Type: connector.Object, Example: map[string]any{"email": "{{ record.email }}", "total": "{{ record.total }}"}, Help: "What to write for each record; values are templates. By default the record itself."},
			{Name: "columns", Type: connector.List, Items: &text, Example: []any{"id", "email", "total"}, Help: "The fields to write, in this order. By default: an existing CSV or XLSX file's header, otherwise every field of the records, in alphabetical order."},
			{Name: "delimiter", Type: connector.String, Default: ",", Help: "CSV: the character between values in a new file; records added to an existing file use the file's own."},
			{Name: "bom", Type: connector.Bool, Default: false, Help: "CSV: start a new file with a byte order mark, so that Excel shows accented letters right."},
			{Name: "sheet", Type: connector.String, Example: "Orders", Help: "XLSX: the sheet to write to: by default the first one (Sheet1 in a new file)."},
			{Name: "batch_size", Type: connector.Int, Default: 1000, Help: "How many records are written at once, all or none."},
		},
		Output:      "One record per batch (per file when the path differs between records): path, format, mode, rows (how many were written) and size (the file's size in bytes afterwards).",
		SideEffects: true,
		Batch:       true,
	}
}

func listAction() connector.Action {
	return connector.Action{
		Name:        "list",
		Title:       "List files",
		Description: "Lists the files in the connection's folder whose names match a pattern.",
		Input: []connector.Field{
			{Name: "pattern", Type: connector.String, Default: "*", Example: "in/*.csv", Help: "Which files: * matches any characters but /, ? one character, [abc] one of a, b or c."},
		},
		Output: "One record per file, in name order: name (its path inside the folder), size (in bytes) and modified (the time it last changed, as 2026-01-31T09:30:00Z).",
	}
}

// Open opens the connection's folder, which must lie inside one of
// env.Folders.
func (filesConnector) Open(_ context.Context, config map[string]any, env connector.Env) (connector.Conn, error) {
	folder, _ := config["folder"].(string)
	root, dir, err := openFolder(folder, env.Folders)
	if err != nil {
		return nil, err
	}
	log := env.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &conn{root: root, dir: dir, log: log, locks: map[string]*sync.Mutex{}, owners: map[string]string{}}, nil
}

// conn is an open folder. Every file is reached through root, which
// refuses names that lead outside the folder, by ".." or by a link.
type conn struct {
	root *os.Root
	dir  string // the folder's path, to tell when it is gone
	log  *slog.Logger

	mu     sync.Mutex
	locks  map[string]*sync.Mutex // one per file being written
	owners map[string]string      // file -> the run and step that replaced it
}

// Do runs read, list, or write for one record.
func (c *conn) Do(ctx context.Context, req connector.Request, emit func(map[string]any) error) error {
	switch req.Action {
	case "read":
		return c.read(ctx, req.Input, emit)
	case "list":
		return c.list(ctx, req.Input, emit)
	case "write":
		return c.DoBatch(ctx, req.Action, []connector.Request{req}, emit)
	}
	return connector.Permanent(fmt.Errorf("the files connector has no action '%s'; its actions are read, write and list", req.Action))
}

// DoBatch writes a batch of records: all of them or none.
func (c *conn) DoBatch(ctx context.Context, action string, reqs []connector.Request, emit func(map[string]any) error) error {
	if action != "write" {
		return connector.Permanent(fmt.Errorf("the files action '%s' does not take records in batches; only write does", action))
	}
	return c.write(ctx, reqs, emit)
}

// Ping checks that the folder is still there, the same folder that was
// opened; when it is not, the connection is lost and will be opened again.
func (c *conn) Ping(context.Context) error {
	open, err := c.root.Stat(".")
	if err != nil {
		return fmt.Errorf("the connection's folder cannot be read (%w): %w", err, connector.ErrNotConnected)
	}
	now, err := os.Stat(c.dir)
	if err != nil || !os.SameFile(open, now) {
		return fmt.Errorf("the connection's folder cannot be read: it was removed or replaced: %w", connector.ErrNotConnected)
	}
	return nil
}

// Close releases the folder.
func (c *conn) Close() error { return c.root.Close() }

// lock serializes writes to one file within the connection.
func (c *conn) lock(name string) *sync.Mutex {
	c.mu.Lock()
	defer c.mu.Unlock()
	m, ok := c.locks[name]
	if !ok {
		m = &sync.Mutex{}
		c.locks[name] = m
	}
	return m
}
