package sqldb

import (
	"context"
	"fmt"

	"github.com/bistro-dev/bistro/connector"
)

// StartCursor is the cursor of a poll that started "from now" on an
// empty table: every row that comes is new.
const StartCursor = "(start)"

// cursorField carries each row's cursor value, as text, out of the poll
// query; it is removed from the records.
const cursorField = "_bistro_cursor"

// DefaultPollLimit is the most rows one poll returns when Bistro gives
// no limit.
const DefaultPollLimit = 1000

// pollInput is what the new_row trigger reads.
type pollInput struct {
	table  Name
	cursor Name
	start  bool // from the beginning
}

func readPoll(in map[string]any) (pollInput, error) {
	t, err := table(in)
	if err != nil {
		return pollInput{}, err
	}
	col, err := text(in, "cursor_column")
	if err != nil {
		return pollInput{}, err
	}
	if col == "" {
		return pollInput{}, connector.Permanent(fmt.Errorf("'cursor_column' is required: a column that grows with every new or changed row, such as id or updated_at"))
	}
	cur, err := ParseColumn(col)
	if err != nil {
		return pollInput{}, err
	}
	start, err := flag(in, "from_beginning")
	return pollInput{table: t, cursor: cur, start: start}, err
}

// Poll returns the rows whose cursor column is above cursor, ordered by
// it, and the last row's cursor value as the next cursor. The first poll
// (an empty cursor) starts from now, returning nothing, unless the input
// says from_beginning. Rows sharing the last cursor value are returned
// together, even beyond limit, so none is skipped.
func (c *Conn) Poll(ctx context.Context, trigger string, input map[string]any, cursor string, limit int) ([]map[string]any, string, error) {
	if trigger != "new_row" {
		return nil, "", connector.Permanent(fmt.Errorf("there is no trigger '%s'", trigger))
	}
	in, err := readPoll(input)
	if err != nil {
		return nil, "", err
	}
	if limit <= 0 {
		limit = DefaultPollLimit
	}
	if cursor == "" && !in.start {
		next, err := c.maxCursor(ctx, in)
		return nil, next, err
	}
	after := cursor
	if cursor == StartCursor {
		after = ""
	}
	rows, err := c.pollRows(ctx, in, after, ">", limit+1)
	if err != nil || len(rows) == 0 {
		return nil, cursor, err
	}
	if len(rows) > limit {
		if rows, err = c.completeTies(ctx, in, rows); err != nil {
			return nil, cursor, err
		}
	}
	next := fmt.Sprint(rows[len(rows)-1][cursorField])
	for _, r := range rows {
		delete(r, cursorField)
	}
	return rows, next, nil
}

// maxCursor is where a poll from now starts: the highest cursor value.
func (c *Conn) maxCursor(ctx context.Context, in pollInput) (string, error) {
	s := newStmt(c.d, "SELECT ", c.d.text("MAX("+c.d.Quote(in.cursor)+")"), " AS m FROM ", c.d.Quote(in.table))
	next := StartCursor
	err := c.db.Query(ctx, s.String(), nil, func(r map[string]any) error {
		if m, ok := r["m"].(string); ok {
			next = m
		}
		return nil
	})
	if err != nil {
		return "", c.fail(fmt.Sprintf("read the latest '%s' of table '%s'", in.cursor, in.table), err, nil)
	}
	return next, nil
}

// pollRows reads rows whose cursor compares with op to cursor (all rows
// with a cursor value when cursor is empty), ordered by the cursor.
func (c *Conn) pollRows(ctx context.Context, in pollInput, cursor, op string, limit int) ([]map[string]any, error) {
	col := c.d.Quote(in.cursor)
	s := newStmt(c.d, "SELECT *, ", c.d.text(col), " AS ", cursorField, " FROM ", c.d.Quote(in.table), " WHERE ", col, " IS NOT NULL")
	if cursor != "" {
		s.w(" AND ", col, " ", op, " ")
		s.args = append(s.args, c.d.cursorArg(cursor))
		s.params = append(s.params, in.cursor.Name)
		s.w(c.d.placeholder(len(s.args)))
	}
	s.w(" ORDER BY ", col)
	if limit > 0 {
		s.w(fmt.Sprintf(" LIMIT %d", limit))
	}
	rows, err := c.collect(ctx, s)
	if err != nil {
		return nil, c.fail(fmt.Sprintf("read new rows of table '%s'", in.table), err, s.params)
	}
	return rows, nil
}

// completeTies cuts a page read with one row more than the limit. When
// that extra row shares the last row's cursor value, the rows with that
// value go on past the page, and the next poll starts after the value:
// they are dropped from this page, to come whole in the next one, or,
// when the page holds nothing else, all rows with the value are read now.
func (c *Conn) completeTies(ctx context.Context, in pollInput, rows []map[string]any) ([]map[string]any, error) {
	extra, rows := rows[len(rows)-1], rows[:len(rows)-1]
	last := rows[len(rows)-1][cursorField]
	if extra[cursorField] != last {
		return rows, nil
	}
	i := len(rows)
	for i > 0 && rows[i-1][cursorField] == last {
		i--
	}
	if i > 0 {
		return rows[:i], nil
	}
	return c.pollRows(ctx, in, fmt.Sprint(last), "=", 0)
}
