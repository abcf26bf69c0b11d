package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/bistro-dev/bistro/internal/api"
	"github.com/bistro-dev/bistro/internal/api/apitest"
	"github.com/bistro-dev/bistro/internal/store"
)

func TestFlowVersionCommands(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		args           []string
		code           int
		stdout, stderr []string
	}{
		{"versions", []string{"flow", "versions", "leads"}, 0, []string{
			"VERSION  SAVED                BY   TRIGGER  CURRENT\n",
			"2        2026-11-02 09:30:00  -    webhook  yes\n",
			"1        2026-11-01 08:00:00  ann  manual\n",
		}, nil},
		{"versions of an unknown flow", []string{"flow", "versions", "nope"}, 1, nil, []string{"error: there is no flow called 'nope'"}},
		{"show an older version", []string{"flow", "show", "leads", "--version", "1"}, 0, []string{"name: leads\n# first try\n"},
			[]string{"flow 'leads', version 1 (an older version), saved 2026-11-01 08:00:00 by ann"}},
		{"show the current version", []string{"flow", "show", "leads", "--version", "2"}, 0, []string{"name: leads\ntrigger: webhook\n"},
			[]string{"version 2 (the current version)"}},
		{"show a missing version", []string{"flow", "show", "leads", "--version", "9"}, 1, nil,
			[]string{"error: the flow 'leads' has no version 9: its versions are 1 to 2"}},
		{"show a negative version", []string{"flow", "show", "leads", "--version", "-1"}, 2, nil,
			[]string{"--version -1 is not a version: versions count from 1 (see 'bistro flow versions leads')"}},
		{"show without a version", []string{"flow", "show", "leads"}, 0, []string{"name: leads\ntrigger: webhook\n"}, []string{"webhook URL"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, vars := serverVars(t)
			srv.Backend.AddFlowVersion("leads", api.StoredVersion{Version: store.Version{Version: 1, Document: []byte("name: leads\n# first try\n"),
				Format: "yaml", By: "tok-ann", CreatedAt: apitest.T0.Add(-25*time.Hour - 30*time.Minute)}, Trigger: "manual", ByName: "ann"})
			r := runCLI(t, "", vars, tc.args...)
			if r.code != tc.code {
				t.Fatalf("exit code %d, want %d\nstdout %s\nstderr %s", r.code, tc.code, r.stdout, r.stderr)
			}
			for _, s := range tc.stdout {
				if !strings.Contains(r.stdout, s) {
					t.Errorf("stdout lacks %q:\n%s", s, r.stdout)
				}
			}
			for _, s := range tc.stderr {
				if !strings.Contains(r.stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, r.stderr)
				}
			}
		})
	}
}
