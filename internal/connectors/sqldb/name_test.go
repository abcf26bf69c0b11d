package sqldb

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/bistro-dev/bistro/connector"
)

func TestParseTable(t *testing.T) {
	t.Parallel()
	good := map[string]Name{
		"orders":       {Name: "orders"},
		"sales.orders": {Schema: "sales", Name: "orders"},
		"_t1":          {Name: "_t1"},
		"Orders_2024":  {Name: "Orders_2024"},
	}
	for s, want := range good {
		got, err := ParseTable(s)
		if err != nil || got != want {
			t.Errorf("ParseTable(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	bad := []string{"", "1orders", "a.b.c", ".a", "a.", "or ders", `a"b`, "a`b", "a;drop", "a--", "é", strings.Repeat("a", 64), "a.b;c"}
	for _, s := range bad {
		if _, err := ParseTable(s); err == nil || !errors.Is(err, connector.ErrPermanent) {
			t.Errorf("ParseTable(%q) = %v, want a permanent refusal", s, err)
		}
	}
	if _, err := ParseColumn("sales.orders"); err == nil {
		t.Error("a column name must not have a schema")
	}
}

func TestQuote(t *testing.T) {
	t.Parallel()
	n := Name{Schema: "sales", Name: "orders"}
	for d, want := range map[Dialect]string{Postgres: `"sales"."orders"`, MySQL: "`sales`.`orders`", SQLite: `"sales"."orders"`} {
		if got := d.Quote(n); got != want {
			t.Errorf("Quote = %s, want %s", got, want)
		}
	}
}

// FuzzParseTable checks that whatever is accepted quotes to a name with
// no quote, space or statement separator in it.
func FuzzParseTable(f *testing.F) {
	for _, s := range []string{"orders", "a.b", `a"b`, "a;b", "a.b.c", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseTable(s)
		if err != nil {
			return
		}
		if n.String() != s {
			t.Errorf("%q read as %q", s, n)
		}
		plain := regexp.MustCompile(`^[A-Za-z0-9_]*$`)
		if !plain.MatchString(n.Schema) || !plain.MatchString(n.Name) || n.Name == "" {
			t.Errorf("%q accepted as %#v", s, n)
		}
		if q := MySQL.Quote(Name{Name: n.Name}); q != "`"+n.Name+"`" {
			t.Errorf("%q quotes to %s", s, q)
		}
	})
}
