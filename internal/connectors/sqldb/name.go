package sqldb

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/bistro-dev/bistro/connector"
)

// identPattern is what a table or column name may be: identifiers cannot
// be bound as parameters, so only plain names get into a statement, and
// even those are quoted.
var identPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)

// Name is a table name, optionally with its schema, or a column name,
// checked to be letters, digits and underscores.
type Name struct {
	Schema string
	Name   string
}

// String returns the name as the user wrote it.
func (n Name) String() string {
	if n.Schema == "" {
		return n.Name
	}
	return n.Schema + "." + n.Name
}

// ParseTable checks a table name: "orders" or "sales.orders".
func ParseTable(s string) (Name, error) {
	schema, name, dotted := strings.Cut(s, ".")
	if !dotted {
		schema, name = "", s
	}
	if !identPattern.MatchString(name) || dotted && !identPattern.MatchString(schema) {
		return Name{}, connector.Permanent(fmt.Errorf("%q is not a table name Bistro accepts: use letters, digits and underscores, not starting with a digit, optionally as schema.table", s))
	}
	return Name{Schema: schema, Name: name}, nil
}

// ParseColumn checks a column name.
func ParseColumn(s string) (Name, error) {
	if !identPattern.MatchString(s) {
		return Name{}, connector.Permanent(fmt.Errorf("%q is not a column name Bistro accepts: use letters, digits and underscores, not starting with a digit", s))
	}
	return Name{Name: s}, nil
}

// parseColumns checks a list of column names.
func parseColumns(names []string) ([]Name, error) {
	out := make([]Name, len(names))
	for i, s := range names {
		n, err := ParseColumn(s)
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}
