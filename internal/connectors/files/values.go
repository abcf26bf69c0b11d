package files

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// autoValue turns text that is plainly a number or true/false into one.
// Text with a leading zero (007), a plus sign or an exponent stays text: it
// is more likely a code than a quantity; so do decimals with more digits
// than a number keeps exactly.
func autoValue(s string) any {
	switch s {
	case "true", "TRUE", "True":
		return true
	case "false", "FALSE", "False":
		return false
	}
	if !numeric(s) {
		return s
	}
	if !strings.Contains(s, ".") {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return int(n)
		}
		return s
	}
	if digits := len(strings.TrimPrefix(s, "-")) - 1; digits > 15 {
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	return f
}

// numeric reports text of the form -?digits(.digits)? without a leading
// zero (other than "0" or "0.5").
func numeric(s string) bool {
	digits := strings.TrimPrefix(s, "-")
	if digits == "" || digits[0] == '.' {
		return false
	}
	whole, frac, dotted := strings.Cut(digits, ".")
	if len(whole) > 1 && whole[0] == '0' || dotted && frac == "" {
		return false
	}
	return allDigits(whole) && allDigits(frac)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// cellText is a value as CSV text: numbers as written, lists and objects
// as JSON.
func cellText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return formatFloat(v)
	case float32:
		return formatFloat(float64(v))
	case json.Number:
		return v.String()
	case time.Time:
		return v.Format(time.RFC3339Nano)
	case map[string]any, []any:
		b, err := json.Marshal(v)
		if err == nil {
			return string(b)
		}
	}
	return fmt.Sprint(v)
}

func formatFloat(f float64) string {
	if math.Abs(f) < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// count writes a number with thousands separators, as people read row
// numbers: 1,204.
func count(n int) string {
	s := strconv.Itoa(n)
	if n < 0 || len(s) <= 3 {
		return s
	}
	var b strings.Builder
	lead := len(s) % 3
	if lead > 0 {
		b.WriteString(s[:lead])
	}
	for i := lead; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}
