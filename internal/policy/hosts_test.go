package policy

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bistro-dev/bistro/internal/connectors"
)

func TestMatchHost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, host string
		want          bool
	}{
		{"*.example.com", "api.example.com", true},
		{"*.example.com", "a.b.example.com", true},
		{"*.example.com", "API.Example.COM.", true},
		{"*.example.com", "example.com", false},
		{"*.example.com", "badexample.com", false},
		{"*.example.com", "api.example.com.evil.net", false},
		{"api.example.com", "api.example.com", true},
		{"api.example.com", "x.api.example.com", false},
		{"*", "anything.net", true},
		{"*", "", false},
		{"10.0.0.5", "10.0.0.5", true},
	}
	for _, tc := range tests {
		if got := matchHost(tc.pattern, tc.host); got != tc.want {
			t.Errorf("matchHost(%q, %q) = %v", tc.pattern, tc.host, got)
		}
	}
}

func TestTemplateHost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url, host string
		ok        bool
	}{
		{"https://api.example.com/v1/{{ record.id }}", "api.example.com", true},
		{"https://api.example.com:8443/x", "api.example.com", true},
		{"https://api.example.com", "api.example.com", true},
		{"https://api.example.com?q={{ record.q }}", "api.example.com", true},
		{"https://api.example.com{{ record.path }}", "", false}, // the template may go on with the host
		{"https://{{ record.tenant }}.example.com/", "", false},
		{"https://{{ vars.user }}@api.example.com/", "", false},
		{"https://api.example.com@evil.net/x", "evil.net", true},
		{"{{ env.URL }}", "", false},
		{"{{ env.BASE }}/v1", "", false},
		{"/v1/contacts", "", false},
	}
	for _, tc := range tests {
		host, ok := templateHost(tc.url)
		if host != tc.host || ok != tc.ok {
			t.Errorf("templateHost(%q) = %q, %v; want %q, %v", tc.url, host, ok, tc.host, tc.ok)
		}
	}
}

func TestConnectionHosts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		connector string
		config    map[string]any
		want      []string
	}{
		{"chat", map[string]any{"service": "slack", "webhook_url": "https://hooks.slack.com/services/T/B/X"}, []string{"hooks.slack.com"}},
		{"postgres", map[string]any{"host": "db.internal:5433"}, []string{"db.internal"}},
		{"email", map[string]any{"host": "smtp.example.com"}, []string{"smtp.example.com"}},
		{"http", map[string]any{"base_url": "https://crm.example.com/api", "auth": map[string]any{"oauth2": map[string]any{"token_url": "https://login.example.com/token"}}},
			[]string{"crm.example.com", "login.example.com"}},
		{"http", map[string]any{"base_url": "{{ env.CRM_URL }}"}, nil},
		{"sqlite", map[string]any{"path": "data.db"}, nil},
	}
	for _, tc := range tests {
		spec, ok := connectors.Lookup(tc.connector)
		if !ok {
			t.Fatalf("no connector %s", tc.connector)
		}
		if diff := cmp.Diff(tc.want, ConnectionHosts(spec, tc.config)); diff != "" {
			t.Errorf("%s %v (-want +got):\n%s", tc.connector, tc.config, diff)
		}
	}
}

func TestConnectionTitle(t *testing.T) {
	t.Parallel()
	chat, _ := connectors.Lookup("chat")
	pg, _ := connectors.Lookup("postgres")
	for _, tc := range []struct{ got, want string }{
		{ConnectionTitle(chat, map[string]any{"service": "slack"}), "Slack webhook"},
		{ConnectionTitle(chat, map[string]any{"service": "teams"}), "Microsoft Teams webhook"},
		{ConnectionTitle(chat, nil), "team chat webhook"},
		{ConnectionTitle(pg, nil), "PostgreSQL connection"},
	} {
		if tc.got != tc.want {
			t.Errorf("%q, want %q", tc.got, tc.want)
		}
	}
}

func TestCronInterval(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cron string
		want time.Duration
	}{
		{"* * * * *", time.Minute},
		{"*/5 * * * *", 5 * time.Minute},
		{"*/10 * * * * *", 10 * time.Second},
		{"0 9 * * *", 24 * time.Hour},
		{"0 9 * * MON-FRI", 24 * time.Hour},
		{"0 9 * * MON", 7 * 24 * time.Hour},
		{"0,3 9 * * *", 3 * time.Minute},
		{"0 0,23 * * *", time.Hour},              // 23:00, then midnight
		{"59 23 * * *", 24 * time.Hour},          // once a day
		{"0 0,23 * * MON", time.Hour * 23},       // Monday 00:00 and 23:00, then a week
		{"30 23 * * *,0 0 * * *", 0},             // not one expression: does not parse
		{"@hourly", time.Hour},                   // a descriptor
		{"@every 90s", 90 * time.Second},         // a constant delay
		{"0 12 1 * *", 28 * 24 * time.Hour},      // monthly: February is the shortest
		{"15 10 * * 1-5", 24 * time.Hour},        // weekdays
		{"0 8-18/2 * * *", 2 * time.Hour},        // every other hour in the day
		{"0 22,2 * * *", 4 * time.Hour},          // across midnight
		{"0 9 29 2 *", 4 * 365 * 24 * time.Hour}, // leap days: longer than the year looked at
	}
	for _, tc := range tests {
		got, ok := cronInterval(tc.cron)
		switch {
		case tc.want == 0 && ok:
			t.Errorf("%q: %v, want it refused", tc.cron, got)
		case tc.want == 4*365*24*time.Hour:
			if ok && got < 365*24*time.Hour {
				t.Errorf("%q: %v, want at least a year or nothing", tc.cron, got)
			}
		case tc.want != 0 && got != tc.want:
			t.Errorf("%q: %v (%v), want %v", tc.cron, got, ok, tc.want)
		}
	}
}
