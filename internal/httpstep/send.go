package httpstep

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/internal/egress"
	"github.com/bistro-dev/bistro/internal/fault"
)

// maxRedirects is how many redirects one request follows.
const maxRedirects = 10

// excerptLen is how much of an error response a message quotes.
const excerptLen = 300

var errTooLarge = errors.New("response too large")

type requestKey struct{}

// send performs r, retrying per the step's policy.
func (c *Client) send(ctx context.Context, s *Step, r *request) (*response, error) {
	for attempt := 1; ; attempt++ {
		resp, err := c.once(ctx, s, r)
		if err == nil {
			return resp, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if attempt >= s.retry.attempts || !s.retry.retries(err) {
			return nil, r.scrub(err)
		}
		_, after := fault.IsTransient(err)
		if err := c.clock.Sleep(ctx, s.retry.delay(attempt, after)); err != nil {
			return nil, err
		}
	}
}

// once performs r a single time within the step's timeout.
func (c *Client) once(ctx context.Context, s *Step, r *request) (*response, error) {
	tctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	tctx = context.WithValue(tctx, requestKey{}, r)
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	hreq, err := http.NewRequestWithContext(tctx, r.method, r.url.String(), body)
	if err != nil {
		return nil, fault.Permanent(fmt.Errorf("%s %s cannot be sent: %w", r.method, r.display(r.url), err))
	}
	hreq.Header = r.header.Clone()
	setDefault(hreq.Header, "User-Agent", c.opts.UserAgent)
	setDefault(hreq.Header, "Accept", "application/json, */*;q=0.5")
	hc := c.http
	if r.via != nil {
		hc = r.via.http
	}
	hresp, err := hc.Do(hreq)
	if err != nil {
		return nil, r.transportError(ctx, err)
	}
	defer hresp.Body.Close()
	data, err := c.readBody(hresp)
	if err != nil {
		return nil, r.readError(ctx, err, c.opts.MaxBody)
	}
	data = r.cleanResponse(hresp.Header, data)
	if hresp.StatusCode >= 200 && hresp.StatusCode < 300 {
		return parseResponse(hresp, data), nil
	}
	return nil, r.statusError(hresp, data, c.clock.Now())
}

func (c *Client) readBody(resp *http.Response) ([]byte, error) {
	max := c.opts.MaxBody
	if resp.ContentLength > max {
		return nil, errTooLarge
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, errTooLarge
	}
	return data, nil
}

func (r *request) readError(ctx context.Context, err error, limit int64) error {
	if errors.Is(err, errTooLarge) {
		msg := fmt.Sprintf("the answer to %s %s is too large: Bistro reads at most %s of a response",
			r.method, r.display(r.url), formatSize(limit))
		return fault.Permanent(&wrapped{msg: msg, err: errTooLarge})
	}
	return r.transportError(ctx, err)
}

func formatSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KB", n>>10)
	default:
		return fmt.Sprintf("%d bytes", n)
	}
}

// transportError explains a failure to get an answer at all.
func (r *request) transportError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	what := r.method + " " + r.display(r.url)
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if classed := connError(what, err); classed != nil {
		return classed
	}
	var refused *egress.RefusedError
	var redirects *redirectError
	var dns *net.DNSError
	var cert *tls.CertificateVerificationError
	var unknown x509.UnknownAuthorityError
	var hostname x509.HostnameError
	switch {
	case errors.As(err, &refused):
		return fault.Permanent(fmt.Errorf("%s failed: %w", what, refused))
	case errors.As(err, &redirects):
		return fault.Permanent(fmt.Errorf("%s failed: %w", what, redirects))
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return fault.Transient(fmt.Errorf("%s did not answer within %s", what, r.timeout), 0)
	case errors.As(err, &dns):
		return dnsError(what, dns)
	case errors.As(err, &cert), errors.As(err, &unknown), errors.As(err, &hostname):
		return fault.Permanent(fmt.Errorf("%s failed: the server's certificate is not trusted (%v)", what, err))
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return fault.Transient(fmt.Errorf("%s failed: nothing is listening there (connection refused)", what), 0)
	}
	var op *net.OpError
	if errors.As(err, &op) {
		return fault.Transient(fmt.Errorf("%s failed: could not connect (%v)", what, op.Err), 0)
	}
	return fault.Transient(fmt.Errorf("%s failed: %v", what, err), 0)
}

// connError keeps the class of a failure the connection reported itself,
// such as a token endpoint refusing the client secret; nil for others.
func connError(what string, err error) error {
	var re *connector.RetryableError
	switch {
	case errors.Is(err, connector.ErrPermanent):
		return fault.Permanent(fmt.Errorf("%s failed: %w", what, err))
	case errors.As(err, &re):
		return fault.Transient(fmt.Errorf("%s failed: %w", what, err), re.After)
	case errors.Is(err, connector.ErrNotConnected):
		return fault.Transient(fmt.Errorf("%s failed: %w", what, err), 0)
	}
	return nil
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

func dnsError(what string, dns *net.DNSError) error {
	msg := fmt.Errorf("%s failed: the name %s could not be looked up", what, dns.Name)
	if dns.IsNotFound {
		return fault.Permanent(fmt.Errorf("%s failed: the name %s does not exist", what, dns.Name))
	}
	return fault.Transient(msg, 0)
}

// statusError explains an answer outside 2xx; 429 and 5xx are worth
// retrying, everything else is the request's fault.
func (r *request) statusError(resp *http.Response, body []byte, now time.Time) error {
	text := http.StatusText(resp.StatusCode)
	if text == "" {
		text = strings.TrimSpace(strings.TrimPrefix(resp.Status, strconv.Itoa(resp.StatusCode)))
	}
	msg := fmt.Sprintf("%s %s answered %d %s", r.method, r.display(r.url), resp.StatusCode, text)
	if ex := excerpt(body); ex != "" {
		msg += ": " + ex
	}
	err := errors.New(r.clean(msg))
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		return fault.Transient(err, retryAfter(resp.Header.Get("Retry-After"), now))
	}
	return fault.Permanent(err)
}

// excerpt is the start of a body for a message, cut on a character.
func excerpt(body []byte) string {
	b := bytes.TrimSpace(body)
	if len(b) <= excerptLen {
		return strings.ToValidUTF8(string(b), "?")
	}
	cut := excerptLen
	for cut > 0 && !utf8.RuneStart(b[cut]) {
		cut--
	}
	return strings.ToValidUTF8(string(b[:cut]), "?") + "…"
}

// retryAfter reads Retry-After as seconds or as an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n <= 0 {
			return 0
		}
		return min(time.Duration(n)*time.Second, maxRetryAfter)
	}
	t, err := http.ParseTime(v)
	if err != nil || !t.After(now) {
		return 0
	}
	return min(t.Sub(now), maxRetryAfter)
}

// wrapped is an error with a plain message that still matches errors.Is.
type wrapped struct {
	msg string
	err error
}

func (e *wrapped) Error() string { return e.msg }
func (e *wrapped) Unwrap() error { return e.err }

// redirectError stops a chain of redirects that is too long.
type redirectError struct{ n int }

func (e *redirectError) Error() string {
	return fmt.Sprintf("it was redirected more than %d times", e.n)
}

// checkRedirect follows up to maxRedirects redirects and drops credentials
// when one leads away from the step's origin. Go drops Authorization for
// another domain itself, but not for another port or scheme, and never a
// custom api key header.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return &redirectError{n: maxRedirects}
	}
	r, ok := req.Context().Value(requestKey{}).(*request)
	if ok && origin(req.URL) != r.origin {
		for _, h := range r.credHeaders {
			req.Header.Del(h)
		}
	}
	return nil
}
