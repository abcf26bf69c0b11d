package sqldb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/connector"
)

// TestRedact checks that connection strings in the forms drivers echo
// lose their passwords, and that the error keeps its kind.
func TestRedact(t *testing.T) {
	t.Parallel()
	tests := []struct {
		msg  string
		want string
	}{
		{"cannot parse `host=db user=bob password=hunter2 sslmode=require`: bad", "cannot parse `host=db user=bob password=xxxxx sslmode=require`: bad"},
		{"failed: password='hun ter2' port=5", "failed: password=xxxxx port=5"},
		{`dial postgres://bob:hunter2@db:5432/shop failed`, `dial postgres://bob:xxxxx@db:5432/shop failed`},
		{"invalid DSN bob:hunter2@tcp(db:3306)/shop", "invalid DSN bob:xxxxx@tcp(db:3306)/shop"},
		{"opening 'root:p@ss:w@rd@tcp(db)/x'", "opening 'root:xxxxx@tcp(db)/x'"},
		{"PWD=hunter2;Server=db", "PWD=xxxxx;Server=db"},
		{"the secret sauce is s3cr3t-value here", "the secret sauce is xxxxx here"},
		{"no secret here: user=bob host=db", "no secret here: user=bob host=db"},
		{"did not accept the user name or password: role x (using password: YES)", "did not accept the user name or password: role x (using password: YES)"},
	}
	for _, tt := range tests {
		got := Redact(errors.New(tt.msg), "s3cr3t-value").Error()
		if got != tt.want {
			t.Errorf("Redact(%q)\n got %q\nwant %q", tt.msg, got, tt.want)
		}
	}
}

func TestRedactKeepsKind(t *testing.T) {
	t.Parallel()
	secret := "hunter22"
	cause := fmt.Errorf("password=%s", secret)
	tests := []struct {
		err   error
		check func(error) bool
	}{
		{connector.Permanent(cause), func(e error) bool { return errors.Is(e, connector.ErrPermanent) }},
		{fmt.Errorf("%w: %w", cause, connector.ErrNotConnected), func(e error) bool { return errors.Is(e, connector.ErrNotConnected) }},
		{connector.Retryable(cause, time.Second), func(e error) bool { ok, after := connector.IsRetryable(e); return ok && after == time.Second }},
		{fmt.Errorf("%w: %w", cause, context.Canceled), func(e error) bool { return errors.Is(e, context.Canceled) }},
	}
	for _, tt := range tests {
		got := Redact(tt.err, secret)
		if !tt.check(got) || strings.Contains(got.Error(), secret) {
			t.Errorf("Redact(%v) = %v: kind lost or secret shown", tt.err, got)
		}
		var re *connector.RetryableError
		if errors.As(got, &re) && strings.Contains(re.Err.Error(), secret) {
			t.Errorf("the retryable cause shows the secret: %v", re.Err)
		}
		if errors.Unwrap(got) != nil {
			t.Errorf("Redact must not keep the original error")
		}
	}
}
