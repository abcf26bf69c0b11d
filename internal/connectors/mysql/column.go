package mysql

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/bistro-dev/bistro/internal/connectors/sqldb"
)

// column turns what the driver read from a column of type dbType into a
// record value: numbers as numbers (DECIMAL without losing digits), JSON
// decoded, dates as 2006-01-02, times as RFC 3339 text, texts as texts.
func column(dbType string, v any) any {
	b, isBytes := v.([]byte)
	switch {
	case v == nil:
		return nil
	case dbType == "DATE":
		if t, ok := v.(time.Time); ok {
			return t.Format("2006-01-02")
		}
	case !isBytes:
		return sqldb.Value(v)
	case dbType == "DECIMAL":
		return sqldb.Decimal(string(b))
	case dbType == "JSON":
		var out any
		if json.Unmarshal(b, &out) == nil {
			return out
		}
	case strings.HasSuffix(dbType, "INT"):
		if i, err := strconv.ParseInt(string(b), 10, 64); err == nil {
			return int(i)
		}
	case dbType == "FLOAT" || dbType == "DOUBLE":
		if f, err := strconv.ParseFloat(string(b), 64); err == nil {
			return f
		}
	}
	return sqldb.Value(v)
}
