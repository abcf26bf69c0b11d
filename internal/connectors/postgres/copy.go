package postgres

import (
	"bufio"
	"context"
	"encoding/hex"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/bistro-dev/bistro/internal/connectors/sqldb"
)

// Load writes rows with one COPY ... FROM STDIN, a single statement: all
// rows are written or none. Values are sent in COPY's text format, which
// the server reads by each column's type, as it reads parameters. The
// rows are encoded while they are sent, so that Bistro and the server
// work at the same time.
func (d *db) Load(ctx context.Context, table sqldb.Name, cols []sqldb.Name, rows [][]any) (int64, error) {
	var b strings.Builder
	b.WriteString("COPY ")
	b.WriteString(sqldb.Postgres.Quote(table))
	b.WriteString(" (")
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(sqldb.Postgres.Quote(c))
	}
	b.WriteString(") FROM STDIN")
	conn, err := d.pool.Acquire(ctx)
	if err != nil {
		return 0, d.Describe(err, nil)
	}
	defer conn.Release()
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		w := bufio.NewWriterSize(pw, 128<<10)
		err := encodeRows(w, rows)
		if err == nil {
			err = w.Flush()
		}
		pw.CloseWithError(err)
	}()
	tag, err := conn.Conn().PgConn().CopyFrom(ctx, pr, b.String())
	_ = pr.Close() // stops the encoder when the server refused early
	<-done
	if err != nil {
		return 0, d.Describe(err, nil)
	}
	return tag.RowsAffected(), nil
}

// encodeRows writes rows in COPY's text format: tab-separated values,
// one line per row, \N for NULL, backslash escapes.
func encodeRows(w *bufio.Writer, rows [][]any) error {
	var scratch [64]byte
	for _, r := range rows {
		for i, v := range r {
			if i > 0 {
				w.WriteByte('\t')
			}
			writeValue(w, scratch[:0], v)
		}
		if err := w.WriteByte('\n'); err != nil {
			return err
		}
	}
	return nil
}

// writeValue writes one value; the common kinds without going through a
// string.
func writeValue(w *bufio.Writer, scratch []byte, v any) {
	switch v := v.(type) {
	case nil:
		w.WriteString(`\N`)
	case string:
		writeText(w, v)
	case int:
		w.Write(strconv.AppendInt(scratch, int64(v), 10))
	case int64:
		w.Write(strconv.AppendInt(scratch, v, 10))
	case float64:
		if math.IsInf(v, 0) {
			writeText(w, sqldb.Text(v))
			return
		}
		w.Write(strconv.AppendFloat(scratch, v, 'f', -1, 64))
	case bool:
		w.Write(strconv.AppendBool(scratch, v))
	case time.Time:
		w.Write(v.AppendFormat(scratch, time.RFC3339Nano))
	case []byte:
		w.WriteString(`\\x`)
		w.WriteString(hex.EncodeToString(v))
	default:
		writeText(w, sqldb.Text(v))
	}
}

// writeText writes text with COPY's escapes for backslash, tab and line
// breaks.
func writeText(w *bufio.Writer, s string) {
	if !strings.ContainsAny(s, "\\\t\n\r") {
		w.WriteString(s)
		return
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			w.WriteString(`\\`)
		case '\t':
			w.WriteString(`\t`)
		case '\n':
			w.WriteString(`\n`)
		case '\r':
			w.WriteString(`\r`)
		default:
			w.WriteByte(c)
		}
	}
}
