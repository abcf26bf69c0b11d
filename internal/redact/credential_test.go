package redact

import (
	"errors"
	"fmt"
	"testing"
)

func TestStringRedactsConnectionStrings(t *testing.T) {
	t.Parallel()
	f := New() // nothing registered: the patterns alone must catch these
	tests := []struct{ name, in, want string }{
		{
			"pgx-like connect error with URL",
			`failed to connect to postgres://app:hunter2@db.internal:5432/app?sslmode=disable: dial tcp: connection refused`,
			`failed to connect to postgres://app:` + Mask + `@db.internal:5432/app?sslmode=disable: dial tcp: connection refused`,
		},
		{
			"url with encoded password",
			`GET https://bot:p%40ss%2Fw@hooks.example.com/x`,
			`GET https://bot:` + Mask + `@hooks.example.com/x`,
		},
		{
			"redis url with empty user",
			`dial redis://:sekrit@cache:6379/0 failed`,
			`dial redis://:` + Mask + `@cache:6379/0 failed`,
		},
		{
			"mysql driver DSN",
			`invalid DSN "root:Tr0ub4dor&3@tcp(mariadb:3306)/shop?parseTime=true"`,
			`invalid DSN "root:` + Mask + `@tcp(mariadb:3306)/shop?parseTime=true"`,
		},
		{
			"libpq key=value",
			`cannot parse "host=db password=hunter2 user=x dbname=app"`,
			`cannot parse "host=db password=` + Mask + ` user=x dbname=app"`,
		},
		{
			"libpq quoted value with spaces",
			`host=db password='two words\' here' user=x`,
			`host=db password=` + Mask + ` user=x`,
		},
		{
			"odbc style",
			`Server=sql;Database=app;User Id=sa;Pwd=S3cret!;Encrypt=true`,
			`Server=sql;Database=app;User Id=sa;Pwd=` + Mask + `;Encrypt=true`,
		},
		{
			"query parameters",
			`GET /callback?code=abc&access_token=ya29.xyz&client_secret=shh HTTP/1.1`,
			`GET /callback?code=abc&access_token=` + Mask + `&client_secret=` + Mask + ` HTTP/1.1`,
		},
		{
			"json members",
			`{"user":"bob","Password":"hunter2","api_key":"k\"ey","n":1}`,
			`{"user":"bob","Password":"` + Mask + `","api_key":"` + Mask + `","n":1}`,
		},
		{
			"already redacted stays stable",
			`postgres://app:` + Mask + `@db/app password=` + Mask,
			`postgres://app:` + Mask + `@db/app password=` + Mask,
		},
		{
			"port and path with @ in the query is not a password",
			`https://host:8443/users?email=a@b.example`,
			`https://host:8443/users?email=a@b.example`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := f.String(tc.in); got != tc.want {
				t.Fatalf("String(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

// connectError mimics a driver error type that embeds the DSN it was given.
type connectError struct{ dsn string }

func (e *connectError) Error() string { return "cannot connect using " + e.dsn }

var errRefused = errors.New("connection refused")

func TestErrorKeepsChainAndHidesDSN(t *testing.T) {
	t.Parallel()
	f := New()
	f.Add("hunter2-long")
	inner := &connectError{dsn: "host=db password=hunter2-long user=x"}
	err := fmt.Errorf("save step: %w: %w", inner, errRefused)

	red := f.Error(err)
	if want := "save step: cannot connect using host=db password=" + Mask + " user=x: connection refused"; red.Error() != want {
		t.Fatalf("Error() = %q, want %q", red.Error(), want)
	}
	if !errors.Is(red, errRefused) {
		t.Fatal("errors.Is lost the wrapped sentinel")
	}
	var ce *connectError
	if !errors.As(red, &ce) || ce != inner {
		t.Fatal("errors.As lost the driver error")
	}
	if f.Error(nil) != nil {
		t.Fatal("Error(nil) != nil")
	}
	if clean := errors.New("no secrets here"); f.Error(clean) != clean {
		t.Fatal("a clean error was wrapped")
	}
}
