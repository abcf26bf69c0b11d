package policy

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDetectors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		value string
		want  string // the detector that matches first, "" for none
	}{
		{"ann@example.com", "email"},
		{"Ann Lee <ann.lee@example.co.uk>", "email"},
		{"ann+news@mail.example.org", "email"},
		{"ann@", ""},
		{"@example.com", ""},
		{"ann..lee@example.com", ""},
		{"a@b", ""},
		{"write to ann@example.com", ""}, // a text that holds an address is no address
		{"+49 30 1234567", "phone"},
		{"+14155552671", "phone"},
		{"0049 30 1234567", "phone"},
		{"(415) 555-2671", "phone"},
		{"415-555-2671", "phone"},
		{"415.555.2671", "phone"},
		{"020 7946 0958", "phone"},
		{"07700 900123", "phone"},
		{"030 12345678", "phone"},
		{"4155552671", ""},   // ten bare digits: an id as likely as a phone
		{"2026-11-03", ""},   // a date
		{"192.168.1.10", ""}, // an address
		{"+1", ""},
		{"12345", ""},
		{"8112289874", ""},
		{"DE89 3704 0044 0532 0130 00", "iban"},
		{"GB82WEST12345698765432", "iban"},
		{"fr14 2004 1010 0505 0001 3m02 606", "iban"},
		{"DE89 3704 0044 0532 0130 01", ""}, // the check digits fail
		{"DE89 3704 0044 0532 0130", ""},    // too short for Germany
		{"4111 1111 1111 1111", "payment card"},
		{"4111-1111-1111-1111", "payment card"},
		{"5555555555554444", "payment card"},
		{"378282246310005", "payment card"},
		{"2221000000000009", "payment card"},
		{"6011111111111117", "payment card"},
		{"3530111333300000", "payment card"},
		{"4111111111111112", ""}, // fails Luhn
		{"1234567812345670", ""}, // passes Luhn, but no scheme starts so
		{"0000000000000000", ""},
		{"123-45-6788", "US social security number"},
		{"123 45 6788", "US social security number"},
		{"000-12-3456", ""},
		{"666-12-3456", ""},
		{"912-12-3456", ""},
		{"123-00-4567", ""},
		{"123-45-0000", ""},
		{"078-05-1120", ""}, // the wallet card's number
		{"123456788", ""},
		{"AB 12 34 56 C", "UK national insurance number"},
		{"ab123456c", "UK national insurance number"},
		{"QQ123456C", ""},
		{"GB123456A", ""},
		{"AB123456E", ""},
		{"12345678Z", "Spanish DNI/NIE"},
		{"X1234567L", "Spanish DNI/NIE"},
		{"12345678A", ""},
		{"X12345678L", ""},
		{"811228-9874", "Swedish personal identity number"},
		{"19811228-9874", "Swedish personal identity number"},
		{"811228-9875", ""},
		{"811328-9874", ""}, // month 13
		{"hello", ""},
		{"", ""},
	}
	dets := Detectors()
	for _, tc := range tests {
		got, _ := detect(dets, tc.value)
		if got != tc.want {
			t.Errorf("%q: %q, want %q", tc.value, got, tc.want)
		}
	}
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	var samples []map[string]any
	for _, s := range []string{
		`{"email": "ann@example.com", "card": 4111111111111111, "note": "hi", "customer": {"phone": "+44 20 7946 0958"}}`,
		`{"email": "bob@example.com", "card": "4111111111111112", "iban": "GB82 WEST 1234 5698 7654 32", "lines": [{"ssn": "123-45-6788"}]}`,
		`{"email": "", "card": "5555 5555 5555 4444", "tags": ["a", "cat@example.com"]}`,
	} {
		var m map[string]any
		d := json.NewDecoder(stringsReader(s))
		d.UseNumber()
		if err := d.Decode(&m); err != nil {
			t.Fatal(err)
		}
		samples = append(samples, m)
	}
	want := []Suggestion{
		{Field: "card", Class: Financial, Detector: "payment card", Matches: 2, Samples: 3},
		{Field: "customer.phone", Class: Personal, Detector: "phone", Matches: 1, Samples: 1},
		{Field: "email", Class: Personal, Detector: "email", Matches: 2, Samples: 3},
		{Field: "iban", Class: Financial, Detector: "iban", Matches: 1, Samples: 1},
		{Field: "lines.ssn", Class: Personal, Detector: "US social security number", Matches: 1, Samples: 1},
		{Field: "tags", Class: Personal, Detector: "email", Matches: 1, Samples: 1},
	}
	if diff := cmp.Diff(want, Suggest(samples)); diff != "" {
		t.Errorf("suggestions (-want +got):\n%s", diff)
	}
}

func TestSuggestionsFromTheExample(t *testing.T) {
	t.Parallel()
	doc := parseFlow(t, "f.yaml", steps("webhook: {example: {email: ann@example.com, amount: 12}}", "  - {id: x, log: hi}\n"))
	rep := Default().Check(doc, checkEnv())
	want := []Suggestion{{Field: "email", Class: Personal, Detector: "email", Matches: 1, Samples: 1}}
	if diff := cmp.Diff(want, rep.Suggestions); diff != "" {
		t.Errorf("suggestions (-want +got):\n%s", diff)
	}
}

func FuzzDetectors(f *testing.F) {
	for _, s := range []string{"ann@example.com", "+49 30 1234567", "DE89 3704 0044 0532 0130 00", "4111 1111 1111 1111", "123-45-6788", "X1234567L", "811228-9874"} {
		f.Add(s)
	}
	dets := Detectors()
	f.Fuzz(func(t *testing.T, v string) {
		detect(dets, v) // must not panic, whatever the text
	})
}

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }
