package httpstep

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/bistro-dev/bistro/internal/expr"
	"github.com/bistro-dev/bistro/internal/fault"
	"github.com/bistro-dev/bistro/internal/flow"
)

// paging is the compiled paginate setting; exactly one style is set.
type paging struct {
	link        bool
	nextURL     *expr.Program
	cursorParam string
	cursor      *expr.Program
	pageParam   string
	pageStart   int
	max         int
}

func compilePaging(p *flow.Paginate, respVars []string) (*paging, error) {
	if p == nil {
		return nil, nil
	}
	out := &paging{link: p.LinkHeader, max: p.MaxPages}
	if out.max == 0 {
		out.max = defaultMaxPages
	}
	if out.max < 0 {
		return nil, fmt.Errorf("paginate.max_pages: %d is not a positive number", p.MaxPages)
	}
	n := 0
	if p.LinkHeader {
		n++
	}
	var err error
	if p.NextURL != "" {
		n++
		if out.nextURL, err = expr.Compile(p.NextURL, respVars); err != nil {
			return nil, fmt.Errorf("paginate.next_url: %w", err)
		}
	}
	if p.Cursor != nil {
		n++
		if err := out.compileCursor(p.Cursor, respVars); err != nil {
			return nil, err
		}
	}
	if p.Page != nil {
		n++
		if p.Page.Param == "" {
			return nil, errors.New("paginate.page.param: name the query parameter that counts pages")
		}
		out.pageParam, out.pageStart = p.Page.Param, p.Page.Start
		if out.pageStart == 0 {
			out.pageStart = 1
		}
	}
	if n != 1 {
		return nil, errors.New("paginate: set exactly one of link_header, next_url, cursor and page")
	}
	return out, nil
}

func (p *paging) compileCursor(c *flow.CursorPaging, respVars []string) error {
	if c.Param == "" {
		return errors.New("paginate.cursor.param: name the query parameter that carries the cursor")
	}
	if c.Value == "" {
		return errors.New("paginate.cursor.value: give the expression that finds the next cursor, e.g. response.body.next_cursor")
	}
	p.cursorParam = c.Param
	var err error
	if p.cursor, err = expr.Compile(c.Value, respVars); err != nil {
		return fmt.Errorf("paginate.cursor.value: %w", err)
	}
	return nil
}

// nextRequest is the request for the page after page (1-based), or nil
// when paging stops. n is how many records the page gave.
func (s *Step) nextRequest(cur *request, rv expr.Vars, resp *response, page, n int) (*request, error) {
	p := s.paginate
	if p == nil || page >= p.max {
		return nil, nil
	}
	switch {
	case p.link:
		return cur.followNext(nextLink(resp.header), "the Link header")
	case p.nextURL != nil:
		v, err := p.nextURL.Eval(rv)
		if err != nil {
			return nil, fault.Permanent(fmt.Errorf("paginate.next_url: %w", err))
		}
		return cur.followNext(strings.TrimSpace(expr.Text(v)), "paginate.next_url")
	case p.cursor != nil:
		v, err := p.cursor.Eval(rv)
		if err != nil {
			return nil, fault.Permanent(fmt.Errorf("paginate.cursor.value: %w", err))
		}
		c := text(v)
		if c == "" || cur.url.Query().Get(p.cursorParam) == c {
			return nil, nil // no cursor, or the same one again: the last page
		}
		return cur.withParam(p.cursorParam, c), nil
	default:
		if n == 0 {
			return nil, nil
		}
		return cur.withParam(p.pageParam, strconv.Itoa(p.pageStart+page)), nil
	}
}

// followNext resolves a next-page address against the current one; empty,
// or the current page again, stops.
func (r *request) followNext(next, from string) (*request, error) {
	if next == "" {
		return nil, nil
	}
	ref, err := url.Parse(next)
	if err != nil {
		return nil, fault.Permanent(fmt.Errorf("%s gave %q, which is not a web address", from, redactRaw(next)))
	}
	u := r.url.ResolveReference(ref)
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fault.Permanent(fmt.Errorf("%s gave %q, which is not an http or https address", from, redactRaw(next)))
	}
	if u.String() == r.url.String() {
		return nil, nil
	}
	return r.follow(u), nil
}

// nextLink finds rel="next" in Link headers (RFC 8288).
func nextLink(h http.Header) string {
	for _, line := range h.Values("Link") {
		for _, link := range splitLinks(line) {
			target, params, ok := strings.Cut(link, ">")
			target = strings.TrimSpace(target)
			if !ok || !strings.HasPrefix(target, "<") {
				continue
			}
			if hasRelNext(params) {
				return target[1:]
			}
		}
	}
	return ""
}

// splitLinks splits a Link header on the commas between links, not on
// commas inside <...> or quoted parameter values.
func splitLinks(s string) []string {
	var out []string
	inURL, inQuote, start := false, false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '<' && !inQuote:
			inURL = true
		case c == '>' && !inQuote:
			inURL = false
		case c == '"' && !inURL:
			inQuote = !inQuote
		case c == ',' && !inURL && !inQuote:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func hasRelNext(params string) bool {
	for _, p := range strings.Split(params, ";") {
		name, val, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(name), "rel") {
			continue
		}
		for _, rel := range strings.Fields(strings.Trim(strings.TrimSpace(val), `"`)) {
			if strings.EqualFold(rel, "next") {
				return true
			}
		}
	}
	return false
}
