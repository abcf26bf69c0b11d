package email

import (
	"fmt"
	"net/mail"
	"strings"
)

// addressList reads a recipients setting: nothing, a text holding one or
// more addresses separated by commas, or a list of such texts. Errors name
// the setting and the address that is wrong.
func addressList(field string, v any) ([]*mail.Address, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case string:
		return parseList(field, v)
	case []string:
		items := make([]any, len(v))
		for i, s := range v {
			items[i] = s
		}
		return addressItems(field, items)
	case []any:
		return addressItems(field, v)
	}
	return nil, fmt.Errorf("%s: give an address, several separated by commas, or a list of addresses, not %v", field, v)
}

func addressItems(field string, items []any) ([]*mail.Address, error) {
	var out []*mail.Address
	for i, item := range items {
		path := fmt.Sprintf("%s[%d]", field, i)
		s, ok := item.(string)
		if !ok {
			return nil, fmt.Errorf("%s: %v is not an email address", path, item)
		}
		list, err := parseList(path, s)
		if err != nil {
			return nil, err
		}
		out = append(out, list...)
	}
	return out, nil
}

func parseList(field, s string) ([]*mail.Address, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	list, err := mail.ParseAddressList(s)
	if err == nil {
		return list, nil
	}
	// Name the one address that is wrong, when the text splits at commas
	// (a name in quotes may hold a comma, so this is only a guess).
	for part := range strings.SplitSeq(s, ",") {
		if _, perr := mail.ParseAddress(part); perr != nil && strings.TrimSpace(part) != "" {
			return nil, notAddress(field, part)
		}
	}
	return nil, notAddress(field, s)
}

// oneAddress reads a setting that holds exactly one address.
func oneAddress(field, s string) (*mail.Address, error) {
	list, err := parseList(field, s)
	if err != nil {
		return nil, err
	}
	if len(list) != 1 {
		return nil, fmt.Errorf("%s: give one email address, not %q", field, strings.TrimSpace(s))
	}
	return list[0], nil
}

func notAddress(field, s string) error {
	return fmt.Errorf("%s: '%s' is not an email address (write it as ann@example.com or Ann Lee <ann@example.com>)", field, strings.TrimSpace(s))
}

// plain returns the bare addresses, for the emitted record.
func plain(list []*mail.Address) []any {
	out := make([]any, len(list))
	for i, a := range list {
		out[i] = a.Address
	}
	return out
}
