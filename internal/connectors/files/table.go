package files

import (
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/bistro-dev/bistro/connector"
)

// maxLoggedBadRows is how many skipped rows of one file are logged one by
// one; the rest are only counted.
const maxLoggedBadRows = 10

// table turns the rows of a CSV file or an XLSX sheet into records: the
// header row names the fields, rows with the wrong number of values are
// bad rows.
type table struct {
	file  string // the name in messages and in _file
	opts  *readOptions
	emit  func(map[string]any) error
	log   *slog.Logger
	names []string // the fields; nil until the header row is read
	// lenient accepts rows shorter than the header (XLSX leaves trailing
	// empty cells out) and longer ones when the extra cells are empty.
	lenient bool
	// checkUTF8 replaces invalid UTF-8 in values.
	checkUTF8 bool
	skipped   int
}

// row handles row n of the file (1 is the first).
func (t *table) row(n int, values []string) error {
	if t.names == nil {
		return t.start(values)
	}
	if len(values) != len(t.names) && !t.fits(values) {
		return t.bad(n, fmt.Sprintf("expected %d values, found %d", len(t.names), len(values)))
	}
	rec := make(map[string]any, len(t.names)+2)
	for i, name := range t.names {
		v := ""
		if i < len(values) {
			v = t.text(values[i])
		}
		if t.opts.autoTypes {
			rec[name] = autoValue(v)
		} else {
			rec[name] = v
		}
	}
	if t.opts.withPosition {
		rec["_file"], rec["_row"] = t.file, n
	}
	return t.emit(rec)
}

func (t *table) text(v string) string {
	if t.checkUTF8 && !utf8.ValidString(v) {
		return strings.ToValidUTF8(v, "\uFFFD")
	}
	return v
}

func (t *table) fits(values []string) bool {
	if !t.lenient {
		return false
	}
	for _, v := range values[min(len(values), len(t.names)):] {
		if v != "" {
			return false
		}
	}
	return true
}

// start names the fields from the header row (or, without one, from the
// first row's width) and passes that first row on when it is data.
func (t *table) start(first []string) error {
	o := t.opts
	if o.header {
		names := make([]string, len(first))
		for i, v := range first {
			names[i] = strings.TrimSpace(t.text(v))
		}
		return t.setNames(names)
	}
	width := len(first)
	if len(o.columns) > 0 {
		width = len(o.columns)
	}
	if err := t.setNames(make([]string, width)); err != nil {
		return err
	}
	return t.row(1, first)
}

func (t *table) setNames(names []string) error {
	o := t.opts
	if len(o.columns) > len(names) && o.header {
		return connector.Permanent(fmt.Errorf("columns names %d columns but %s has %d", len(o.columns), t.file, len(names)))
	}
	for i, c := range o.columns {
		if c != "" {
			names[i] = c
		}
	}
	for i, n := range names {
		if n == "" {
			names[i] = "column_" + strconv.Itoa(i+1)
		}
	}
	for from, to := range o.rename {
		i := slices.Index(names, from)
		if i < 0 {
			return connector.Permanent(fmt.Errorf("rename: %s has no column '%s'; its columns are %s", t.file, from, strings.Join(names, ", ")))
		}
		names[i] = to
	}
	t.names = uniqueNames(names)
	return nil
}

// uniqueNames numbers repeated names: email, email_2.
func uniqueNames(names []string) []string {
	seen := make(map[string]bool, len(names))
	for i, n := range names {
		base := n
		for k := 2; seen[n]; k++ {
			n = base + "_" + strconv.Itoa(k)
		}
		seen[n] = true
		names[i] = n
	}
	return names
}

// bad fails on a bad row, or logs and counts it when bad rows are skipped.
func (t *table) bad(n int, problem string) error {
	return badRow(t.opts, t.log, &t.skipped, t.file, "row", n, problem)
}

// badRow is the bad row rule shared by every format.
func badRow(o *readOptions, log *slog.Logger, skipped *int, file, unit string, n int, problem string) error {
	msg := fmt.Sprintf("%s %s %s: %s", file, unit, count(n), problem)
	if !o.skipBad {
		return connector.Permanent(fmt.Errorf("%s (set on_bad_row: skip to leave such rows out)", msg))
	}
	*skipped++
	if *skipped <= maxLoggedBadRows {
		log.Warn("skipped a bad row", "problem", msg)
	}
	return nil
}

// skippedSummary logs how many bad rows were skipped.
func skippedSummary(log *slog.Logger, file string, skipped int) {
	if skipped > 0 {
		log.Warn("skipped bad rows", "file", file, "count", skipped)
	}
}
