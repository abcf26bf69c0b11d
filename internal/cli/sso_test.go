package cli

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

	"github.com/bistro-dev/bistro/internal/api"
	"github.com/bistro-dev/bistro/internal/auth/oidctest"
)

// TestServeSingleSignOn sets single sign-on up the way an admin does,
// with environment variables, and signs in through the provider as a
// browser would.
func TestServeSingleSignOn(t *testing.T) {
	t.Parallel()
	idp := oidctest.New(t)
	idp.SetUser("sub-42", "Kim@Example.com", "Kim", []string{"staff"})
	vars := map[string]string{
		"BISTRO_OIDC_ISSUER":        idp.Issuer(),
		"BISTRO_OIDC_CLIENT_ID":     idp.ClientID,
		"BISTRO_OIDC_CLIENT_SECRET": idp.ClientSecret,
		"BISTRO_OIDC_GROUPS":        "staff=default:operator, finance-team=finance:owner",
	}
	addr, logs, stop := startServeWith(t, t.TempDir(), vars, func(f *serveFlags) {
		f.oidc.client = idp.Client()
		f.oidc.redirectURL = "http://" + f.listen + "/auth/sso/callback"
	})
	t.Cleanup(func() { _ = stop() })
	if !strings.Contains(logs.String(), "workspace=finance") {
		t.Errorf("no warning about the missing workspace finance:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), idp.ClientSecret) {
		t.Errorf("the client secret is in the log:\n%s", logs.String())
	}

	var setup api.SetupState
	getJSON(t, http.DefaultClient, "http://"+addr+"/api/v1/setup", &setup)
	if !setup.SSO {
		t.Fatalf("setup says single sign-on is off: %+v", setup)
	}

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := browser.Get("http://" + addr + "/auth/sso/start")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	to := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(to, idp.Issuer()) {
		t.Fatalf("start answered %d, Location %q", resp.StatusCode, to)
	}
	back, err := idp.Authorize(to)
	if err != nil {
		t.Fatal(err)
	}
	resp, err = browser.Get(back)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("callback answered %d: %s", resp.StatusCode, body)
	}

	var me api.Me
	getJSON(t, browser, "http://"+addr+"/api/v1/me", &me)
	if me.User == nil || me.User.Email != "kim@example.com" || me.Via != "session" || me.Admin {
		t.Fatalf("me after single sign-on: %+v", me)
	}
	if len(me.Workspaces) != 1 || me.Workspaces[0].ID != "default" || me.Workspaces[0].Role != "operator" {
		t.Errorf("roles from the groups: %+v", me.Workspaces)
	}
}

func getJSON(t *testing.T, c *http.Client, url string, v any) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v in %s", url, err, body)
	}
}

func TestServeRefusesHalfSetSingleSignOn(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		vars map[string]string
		want string
	}{
		{"no issuer", map[string]string{"BISTRO_OIDC_CLIENT_ID": "bistro"}, "give the provider's address with --oidc-issuer"},
		{"no client id", map[string]string{"BISTRO_OIDC_ISSUER": "https://idp.example.com"}, "needs --oidc-client-id and --oidc-redirect-url"},
		{"bad group", map[string]string{"BISTRO_OIDC_ISSUER": "https://idp.example.com", "BISTRO_OIDC_CLIENT_ID": "bistro",
			"BISTRO_OIDC_REDIRECT_URL": "https://bistro.example.com/auth/sso/callback", "BISTRO_OIDC_GROUPS": "staff=default"}, `--oidc-group: the group mapping "staff=default" is not valid`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := runCLI(t, "", tc.vars, "serve", "--data", t.TempDir(), "--listen", freeAddr(t))
			if r.code == 0 || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("code %d, stderr %q; want %q", r.code, r.stderr, tc.want)
			}
		})
	}
}
