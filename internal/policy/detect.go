package policy

import (
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/bistro-dev/bistro/internal/flow"
)

// Suggestion is a class the detectors suggest for a field of sample data.
type Suggestion struct {
	// Field is the field, with dots for nested ones ("customer.email").
	Field string `json:"field"`
	// Class is the suggested class id; Detector the detector that matched.
	Class    string `json:"class"`
	Detector string `json:"detector"`
	// Matches is how many samples' values matched, of Samples that had a
	// value in the field.
	Matches int `json:"matches"`
	Samples int `json:"samples"`
}

// Detector recognises one kind of value.
type Detector struct {
	// Name names it in suggestions, e.g. "email".
	Name string
	// Class is the class its values belong to.
	Class string
	// Match reports whether a value, trimmed, is of its kind.
	Match func(string) bool
}

// Detectors are the built-in detectors, each checking what can be
// checked (a checksum, a date, ranges that are never issued) so that
// numbers that only look right are not taken.
func Detectors() []Detector {
	return []Detector{
		{Name: "email", Class: Personal, Match: isEmail},
		{Name: "iban", Class: Financial, Match: isIBAN},
		{Name: "payment card", Class: Financial, Match: isCard},
		{Name: "US social security number", Class: Personal, Match: isSSN},
		{Name: "UK national insurance number", Class: Personal, Match: isNINO},
		{Name: "Spanish DNI/NIE", Class: Personal, Match: isSpanishID},
		{Name: "Swedish personal identity number", Class: Personal, Match: isPersonnummer},
		// Last: the least specific, so a national id is not taken for one.
		{Name: "phone", Class: Personal, Match: isPhone},
	}
}

// Suggest runs the detectors over sample records and suggests a class for
// every field where a detector matched at least one value, sorted by
// field. A value matched by several detectors counts for the first, in
// the order of Detectors.
func Suggest(samples []map[string]any) []Suggestion {
	type tally struct {
		samples int
		matched map[string]int
	}
	fields := map[string]*tally{}
	dets := Detectors()
	for _, rec := range samples {
		flat := map[string][]string{}
		flatten("", rec, flat, 0)
		for field, values := range flat {
			t := fields[field]
			if t == nil {
				t = &tally{matched: map[string]int{}}
				fields[field] = t
			}
			t.samples++
			found := map[string]bool{}
			for _, v := range values {
				if name, ok := detect(dets, v); ok && !found[name] {
					found[name] = true
					t.matched[name]++
				}
			}
		}
	}
	var out []Suggestion
	for _, field := range sortedKeys(fields) {
		t := fields[field]
		for _, d := range dets {
			if n := t.matched[d.Name]; n > 0 {
				out = append(out, Suggestion{Field: field, Class: d.Class, Detector: d.Name, Matches: n, Samples: t.samples})
			}
		}
	}
	return out
}

func detect(dets []Detector, v string) (string, bool) {
	v = strings.TrimSpace(v)
	if v == "" || len(v) > 320 {
		return "", false
	}
	for _, d := range dets {
		if d.Match(v) {
			return d.Name, true
		}
	}
	return "", false
}

// flatten collects the text of every value by its dotted field; lists
// are looked through.
func flatten(prefix string, v any, out map[string][]string, depth int) {
	if depth > 16 {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			name := k
			if prefix != "" {
				name = prefix + "." + k
			}
			flatten(name, e, out, depth+1)
		}
	case []any:
		for _, e := range x {
			flatten(prefix, e, out, depth+1)
		}
	case string:
		out[prefix] = append(out[prefix], x)
	case json.Number:
		out[prefix] = append(out[prefix], x.String())
	case int64:
		out[prefix] = append(out[prefix], strconv.FormatInt(x, 10))
	case int:
		out[prefix] = append(out[prefix], strconv.Itoa(x))
	case float64:
		if x == float64(int64(x)) {
			out[prefix] = append(out[prefix], strconv.FormatInt(int64(x), 10))
		}
	}
}

// exampleSuggestions runs the detectors over the example input of a
// manual or webhook trigger.
func exampleSuggestions(t flow.Trigger) []Suggestion {
	var ex any
	switch {
	case t.Webhook != nil:
		ex = t.Webhook.Example
	case t.Manual != nil:
		ex = t.Manual.Example
	}
	var samples []map[string]any
	switch x := ex.(type) {
	case map[string]any:
		samples = append(samples, x)
	case []any:
		for _, e := range x {
			if m, ok := e.(map[string]any); ok {
				samples = append(samples, m)
			}
		}
	}
	return Suggest(samples)
}

var (
	emailRE    = regexp.MustCompile(`^[A-Za-z0-9.!#$%&'*+/=?^_{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}$`)
	namedEmail = regexp.MustCompile(`^[^<>@]*<([^<>]+)>$`)
)

// isEmail matches an address, alone or as "Name <address>".
func isEmail(v string) bool {
	if m := namedEmail.FindStringSubmatch(v); m != nil {
		v = m[1]
	}
	local, _, ok := strings.Cut(v, "@")
	return ok && len(local) <= 64 && !strings.HasPrefix(local, ".") && !strings.HasSuffix(local, ".") &&
		!strings.Contains(local, "..") && emailRE.MatchString(v)
}

var (
	intlPhone  = regexp.MustCompile(`^(?:\+|00)[1-9][0-9 .\-()/]{6,20}$`)
	nanpPhone  = regexp.MustCompile(`^(?:\+?1[ .-]?)?(?:\([2-9][0-9]{2}\) ?|[2-9][0-9]{2}[ .-])[2-9][0-9]{2}[ .-][0-9]{4}$`)
	trunkPhone = regexp.MustCompile(`^0[1-9][0-9]{1,4}[ /-]?[0-9]{2,4}(?:[ -]?[0-9]{2,4}){1,3}$`)
	ipv4Like   = regexp.MustCompile(`^[0-9]{1,3}(?:\.[0-9]{1,3}){3}$`)
	dateLike   = regexp.MustCompile(`^[0-9]{1,4}[-./][0-9]{1,2}[-./][0-9]{1,4}$`)
)

// isPhone matches international numbers (+49 30 1234567, 0049...,
// E.164), North American ones with separators ((555) 234-5678) and
// national numbers with a trunk 0 (030 1234567, 07700 900123). A bare
// run of digits is not taken: it is as likely an id or an amount.
func isPhone(v string) bool {
	if ipv4Like.MatchString(v) || dateLike.MatchString(v) {
		return false
	}
	digits := onlyDigits(v)
	n := len(digits)
	switch {
	case intlPhone.MatchString(v):
		if strings.HasPrefix(v, "00") {
			n -= 2
		}
		return n >= 8 && n <= 15 && balanced(v)
	case nanpPhone.MatchString(v):
		return balanced(v)
	case trunkPhone.MatchString(v):
		return n >= 10 && n <= 12 && strings.ContainsAny(v, " /-")
	}
	return false
}

// balanced reports whether brackets open and close in pairs.
func balanced(v string) bool {
	return strings.Count(v, "(") == strings.Count(v, ")") && strings.Count(v, "(") <= 1
}

func onlyDigits(v string) string {
	var b strings.Builder
	for _, r := range v {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// ibanLengths are the lengths of IBANs of the countries that issue them
// most; other countries are taken at 15 to 34 characters.
var ibanLengths = map[string]int{"AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22,
	"DK": 18, "EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IS": 26,
	"IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28, "PT": 25,
	"RO": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "TR": 26, "UA": 29, "SA": 24, "AE": 23, "IL": 23, "BR": 29}

var ibanRE = regexp.MustCompile(`^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$`)

// isIBAN matches an IBAN (spaces allowed) whose length fits its country
// and whose check digits pass ISO 7064 mod 97-10.
func isIBAN(v string) bool {
	s := strings.ToUpper(strings.ReplaceAll(v, " ", ""))
	if !ibanRE.MatchString(s) {
		return false
	}
	if n, ok := ibanLengths[s[:2]]; ok && len(s) != n {
		return false
	}
	rearranged := s[4:] + s[:4]
	rem := 0
	for _, r := range rearranged {
		switch {
		case r >= '0' && r <= '9':
			rem = (rem*10 + int(r-'0')) % 97
		default:
			rem = (rem*100 + int(r-'A') + 10) % 97
		}
	}
	return rem == 1
}

var cardRE = regexp.MustCompile(`^[0-9]{4}(?:[ -]?[0-9]{2,7}){2,4}$|^[0-9]{13,19}$`)

// isCard matches a payment card number: 13 to 19 digits (in groups or
// not) of a known scheme's prefix and length, passing the Luhn check.
func isCard(v string) bool {
	if !cardRE.MatchString(v) {
		return false
	}
	d := onlyDigits(v)
	return cardScheme(d) && luhn(d)
}

// cardScheme reports whether the number's prefix and length are those of
// Visa, Mastercard, American Express, Discover, JCB, Diners Club,
// UnionPay or Maestro.
func cardScheme(d string) bool {
	n := len(d)
	p2, _ := strconv.Atoi(d[:2])
	p3, _ := strconv.Atoi(d[:3])
	p4, _ := strconv.Atoi(d[:4])
	p6, _ := strconv.Atoi(d[:6])
	switch {
	case d[0] == '4':
		return n == 13 || n == 16 || n == 19
	case p2 >= 51 && p2 <= 55, p4 >= 2221 && p4 <= 2720:
		return n == 16
	case p2 == 34 || p2 == 37:
		return n == 15
	case p4 == 6011, p2 == 65, p3 >= 644 && p3 <= 649, p6 >= 622126 && p6 <= 622925:
		return n >= 16 && n <= 19
	case p4 >= 3528 && p4 <= 3589:
		return n >= 16 && n <= 19
	case p2 == 36, p2 == 38, p3 >= 300 && p3 <= 305:
		return n >= 14 && n <= 19
	case p2 == 62:
		return n >= 16 && n <= 19
	case p2 == 50, p2 >= 56 && p2 <= 69:
		return n >= 12 && n <= 19
	}
	return false
}

// luhn checks the Luhn (mod 10) check digit.
func luhn(d string) bool {
	sum := 0
	double := false
	for i := len(d) - 1; i >= 0; i-- {
		x := int(d[i] - '0')
		if double {
			if x *= 2; x > 9 {
				x -= 9
			}
		}
		sum += x
		double = !double
	}
	return sum%10 == 0
}

var ssnRE = regexp.MustCompile(`^([0-9]{3})[- ]([0-9]{2})[- ]([0-9]{4})$`)

// isSSN matches a US social security number written with separators,
// leaving out numbers never issued: area 000, 666 or 900-999, group 00,
// serial 0000, and the numbers printed in advertisements.
func isSSN(v string) bool {
	m := ssnRE.FindStringSubmatch(v)
	if m == nil {
		return false
	}
	area, _ := strconv.Atoi(m[1])
	switch {
	case area == 0, area == 666, area >= 900, m[2] == "00", m[3] == "0000":
		return false
	}
	return !slices.Contains([]string{"078051120", "219099999", "123456789"}, m[1]+m[2]+m[3])
}

var ninoRE = regexp.MustCompile(`^([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]) ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-D]$`)

// isNINO matches a UK national insurance number, leaving out the
// prefixes never issued.
func isNINO(v string) bool {
	m := ninoRE.FindStringSubmatch(strings.ToUpper(v))
	return m != nil && !slices.Contains([]string{"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"}, m[1])
}

var spanishRE = regexp.MustCompile(`^([XYZ]?)([0-9]{7,8})-?([A-Z])$`)

// isSpanishID matches a Spanish DNI (8 digits and a letter) or NIE (X, Y
// or Z, 7 digits and a letter) whose letter is the check letter.
func isSpanishID(v string) bool {
	m := spanishRE.FindStringSubmatch(strings.ToUpper(v))
	if m == nil || (m[1] == "") != (len(m[2]) == 8) {
		return false
	}
	num := m[2]
	if m[1] != "" {
		num = strconv.Itoa(strings.Index("XYZ", m[1])) + num
	}
	n, _ := strconv.Atoi(num)
	return string("TRWAGMYFPDXBNJZSQVHLCKE"[n%23]) == m[3]
}

var personnummerRE = regexp.MustCompile(`^(?:[0-9]{2})?([0-9]{2})([0-9]{2})([0-9]{2})[-+]([0-9]{4})$`)

// isPersonnummer matches a Swedish personal (or coordination) identity
// number written with its separator (YYMMDD-NNNN or YYYYMMDD-NNNN), with
// a real date and the Luhn check digit.
func isPersonnummer(v string) bool {
	m := personnummerRE.FindStringSubmatch(v)
	if m == nil {
		return false
	}
	month, _ := strconv.Atoi(m[2])
	day, _ := strconv.Atoi(m[3])
	if day > 60 {
		day -= 60 // a coordination number
	}
	if month < 1 || month > 12 || day < 1 || day > 31 {
		return false
	}
	return luhn(m[1] + m[2] + m[3] + m[4])
}
