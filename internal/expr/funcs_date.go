package expr

import (
	"strconv"
	"strings"
	"time"
)

var dateFunctions = []Function{
	{Name: "now", Signature: "now()", Category: "dates", MinArgs: 0, MaxArgs: 0,
		Description: "The current time (the run's clock), in UTC.",
		Example:     `format_date(now(), "YYYY")`, Result: `"2026"`,
		fn: func(args ...any) (any, error) { return nowFrom(args[0]), nil }},
	{Name: "parse_date", Signature: "parse_date(text, layout?, timezone?)", Category: "dates", MinArgs: 1, MaxArgs: 3,
		Description: "Reads a time from text: ISO 8601 / RFC 3339 by default, or the layout (see below). A time without a zone is in timezone (UTC by default).",
		Example:     `parse_date("24.12.2026 18:30", "DD.MM.YYYY HH:mm", "Europe/Berlin")`, Result: `"2026-12-24T18:30:00+01:00"`, fn: fnParseDate},
	{Name: "format_date", Signature: "format_date(time, layout, timezone?)", Category: "dates", MinArgs: 2, MaxArgs: 3,
		Description: "Writes a time as text with the layout (see below), in timezone (UTC by default).",
		Example:     `format_date("2026-03-05T14:07:00Z", "D MMM YYYY, HH:mm", "Europe/Paris")`, Result: `"5 Mar 2026, 15:07"`, fn: fnFormatDate},
	{Name: "add_date", Signature: "add_date(time, amount)", Category: "dates", MinArgs: 2, MaxArgs: 2,
		Description: "Adds an amount such as \"3d\", \"-2h\", \"1mo\" or \"1y2mo\" (units y, mo, w, d, h, m, s, ms). Months and years keep the day of the month.",
		Example:     `add_date("2026-01-31T09:00:00Z", "1d12h")`, Result: `"2026-02-01T21:00:00Z"`, fn: fnAddDate},
	{Name: "diff_date", Signature: "diff_date(from, to, unit)", Category: "dates", MinArgs: 3, MaxArgs: 3,
		Description: "Whole units (years, months, weeks, days, hours, minutes, seconds) from one time to another; negative when to is earlier.",
		Example:     `diff_date("2026-01-01T00:00:00Z", "2026-03-15T12:00:00Z", "days")`, Result: `73`, fn: fnDiffDate},
	{Name: "start_of", Signature: "start_of(time, unit, timezone?)", Category: "dates", MinArgs: 2, MaxArgs: 3,
		Description: "The start of the day, week (Monday), month or year the time falls in, in timezone (UTC by default).",
		Example:     `start_of("2026-03-05T14:07:00Z", "month")`, Result: `"2026-03-01T00:00:00Z"`, fn: fnStartOf},
}

// clocked is what a VarClock entry provides (clock.Clock does).
type clocked interface{ Now() time.Time }

func nowFrom(env any) time.Time {
	if vars, ok := env.(map[string]any); ok {
		if c, ok := vars[VarClock].(clocked); ok {
			return c.Now().UTC()
		}
	}
	return time.Now().UTC()
}

func location(fn string, v any) (*time.Location, error) {
	name, err := argText(fn, v)
	if err != nil {
		return nil, err
	}
	if name == "" || name == "UTC" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fnError(fn, "unknown time zone '%s'", clip(name))
	}
	return loc, nil
}

var isoLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02", "2006-01-02T15:04:05.999999999"}

// argTime reads a time value or ISO 8601 text; zoneless text is in loc.
func argTime(fn string, v any, loc *time.Location) (time.Time, error) {
	switch x := v.(type) {
	case time.Time:
		return x, nil
	case string:
		for _, l := range isoLayouts {
			if t, err := time.ParseInLocation(l, strings.TrimSpace(x), loc); err == nil {
				return t, nil
			}
		}
		return time.Time{}, fnError(fn, "'%s' is not a date and time such as 2026-03-05T14:07:00Z", clip(x))
	}
	return time.Time{}, argError(fn, "a date and time", v)
}

func fnParseDate(args ...any) (any, error) {
	loc, err := location("parse_date", optional(args, 2, ""))
	if err != nil {
		return nil, err
	}
	s, err := argText("parse_date", args[0])
	if err != nil {
		return nil, err
	}
	layout, err := argText("parse_date", optional(args, 1, ""))
	if err != nil || layout == "" {
		if err != nil {
			return nil, err
		}
		return argTime("parse_date", s, loc)
	}
	t, perr := time.ParseInLocation(goLayout(layout), strings.TrimSpace(s), loc)
	if perr != nil {
		return nil, fnError("parse_date", "'%s' does not match the layout '%s'", clip(s), layout)
	}
	return t, nil
}

func fnFormatDate(args ...any) (any, error) {
	loc, err := location("format_date", optional(args, 2, ""))
	if err != nil {
		return nil, err
	}
	t, err := argTime("format_date", args[0], time.UTC)
	if err != nil {
		return nil, err
	}
	layout, err := argText("format_date", args[1])
	if err != nil {
		return nil, err
	}
	if len(layout) > 200 {
		return nil, fnError("format_date", "the layout is too long")
	}
	return t.In(loc).Format(goLayout(layout)), nil
}

// layoutTokens maps friendly layout parts to Go's reference time, longest
// first so "MMMM" wins over "MM".
var layoutTokens = []struct{ from, to string }{
	{"YYYY", "2006"}, {"YY", "06"}, {"MMMM", "January"}, {"MMM", "Jan"}, {"MM", "01"}, {"M", "1"},
	{"dddd", "Monday"}, {"ddd", "Mon"}, {"DD", "02"}, {"D", "2"}, {"HH", "15"}, {"hh", "03"}, {"h", "3"},
	{"mm", "04"}, {"m", "4"}, {"ss", "05"}, {"s", "5"}, {"SSS", "000"}, {"A", "PM"}, {"a", "pm"},
	{"ZZ", "-0700"}, {"Z", "Z07:00"},
}

// goLayout translates a friendly layout ("YYYY-MM-DD HH:mm"). Text in
// [brackets] is kept as it is.
func goLayout(l string) string {
	var b strings.Builder
	for i := 0; i < len(l); {
		if l[i] == '[' {
			if j := strings.IndexByte(l[i:], ']'); j > 0 {
				b.WriteString(l[i+1 : i+j])
				i += j + 1
				continue
			}
		}
		matched := false
		for _, tok := range layoutTokens {
			if strings.HasPrefix(l[i:], tok.from) {
				b.WriteString(tok.to)
				i += len(tok.from)
				matched = true
				break
			}
		}
		if !matched {
			b.WriteByte(l[i])
			i++
		}
	}
	return b.String()
}

func fnAddDate(args ...any) (any, error) {
	t, err := argTime("add_date", args[0], time.UTC)
	if err != nil {
		return nil, err
	}
	s, err := argText("add_date", args[1])
	if err != nil {
		return nil, err
	}
	return addAmount(t, s)
}

// addAmount adds "1y2mo-3d" style amounts; calendar units go through
// AddDate so that a month is a month, not 30 days.
func addAmount(t time.Time, s string) (time.Time, error) {
	rest := strings.TrimSpace(s)
	sign := 1
	if strings.HasPrefix(rest, "-") {
		sign, rest = -1, rest[1:]
	}
	if rest == "" {
		return t, fnError("add_date", "'%s' is not an amount such as 3d, 2h or 1mo", clip(s))
	}
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		j := i
		for j < len(rest) && rest[j] >= 'a' && rest[j] <= 'z' {
			j++
		}
		n, err := strconv.Atoi(rest[:i])
		if err != nil || n > 1_000_000 {
			return t, fnError("add_date", "'%s' is not an amount such as 3d, 2h or 1mo", clip(s))
		}
		n *= sign
		switch rest[i:j] {
		case "y":
			t = t.AddDate(n, 0, 0)
		case "mo":
			t = t.AddDate(0, n, 0)
		case "w":
			t = t.AddDate(0, 0, 7*n)
		case "d":
			t = t.AddDate(0, 0, n)
		case "h":
			t = t.Add(time.Duration(n) * time.Hour)
		case "m":
			t = t.Add(time.Duration(n) * time.Minute)
		case "s":
			t = t.Add(time.Duration(n) * time.Second)
		case "ms":
			t = t.Add(time.Duration(n) * time.Millisecond)
		default:
			return t, fnError("add_date", "'%s' is not an amount such as 3d, 2h or 1mo", clip(s))
		}
		rest = rest[j:]
	}
	return t, nil
}

func fnDiffDate(args ...any) (any, error) {
	a, err := argTime("diff_date", args[0], time.UTC)
	if err != nil {
		return nil, err
	}
	b, err := argTime("diff_date", args[1], time.UTC)
	if err != nil {
		return nil, err
	}
	unit, err := argText("diff_date", args[2])
	if err != nil {
		return nil, err
	}
	d := b.Sub(a)
	switch strings.TrimSuffix(unit, "s") {
	case "year", "y":
		return months(a, b) / 12, nil
	case "month", "mo":
		return months(a, b), nil
	case "week", "w":
		return int(d / (7 * 24 * time.Hour)), nil
	case "day", "d":
		return int(d / (24 * time.Hour)), nil
	case "hour", "h":
		return int(d / time.Hour), nil
	case "minute", "m":
		return int(d / time.Minute), nil
	case "second", "":
		return int(d / time.Second), nil
	}
	return nil, fnError("diff_date", "unknown unit '%s'; use years, months, weeks, days, hours, minutes or seconds", clip(unit))
}

// months counts whole calendar months from a to b.
func months(a, b time.Time) int {
	if b.Before(a) {
		return -months(b, a)
	}
	n := (b.Year()-a.Year())*12 + int(b.Month()-a.Month())
	if n > 0 && a.AddDate(0, n, 0).After(b) {
		n--
	}
	return n
}

func fnStartOf(args ...any) (any, error) {
	loc, err := location("start_of", optional(args, 2, ""))
	if err != nil {
		return nil, err
	}
	t, err := argTime("start_of", args[0], loc)
	if err != nil {
		return nil, err
	}
	unit, err := argText("start_of", args[1])
	if err != nil {
		return nil, err
	}
	t = t.In(loc)
	y, m, d := t.Date()
	switch unit {
	case "day":
		return time.Date(y, m, d, 0, 0, 0, 0, loc), nil
	case "week":
		back := (int(t.Weekday()) + 6) % 7 // weeks start on Monday
		return time.Date(y, m, d-back, 0, 0, 0, 0, loc), nil
	case "month":
		return time.Date(y, m, 1, 0, 0, 0, 0, loc), nil
	case "year":
		return time.Date(y, 1, 1, 0, 0, 0, 0, loc), nil
	}
	return nil, fnError("start_of", "unknown unit '%s'; use day, week, month or year", clip(unit))
}
