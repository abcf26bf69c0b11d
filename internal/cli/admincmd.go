package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/bistro-dev/bistro/internal/audit"
	"github.com/bistro-dev/bistro/internal/auth"
	"github.com/bistro-dev/bistro/internal/client"
	"github.com/bistro-dev/bistro/internal/store"
)

func newAdminCmd(s env) *cobra.Command {
	cmd := &cobra.Command{Use: "admin", Short: "Manage the installation from the server's machine",
		Example: `  bistro admin create --email it@example.com --name "IT desk"`}
	var f serveFlags
	var email, name string
	create := &cobra.Command{
		Use:   "create",
		Short: "Create a platform admin (the first one, or another)",
		Long: `Create a platform admin in the server's database, on the server's machine. The
password is asked for on a terminal, or read from the first line of standard
input. Use it for the first admin when the web setup page cannot be reached,
or to regain access when every admin is locked out.`,
		Example: `  bistro admin create --email it@example.com --name "IT desk"
  echo "$ADMIN_PASSWORD" | bistro admin create --email it@example.com --data /var/lib/bistro`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s.fill(&f)
			password, err := readPassword(s, "Password for "+email+" (at least 10 characters): ")
			if err != nil {
				return err
			}
			st, err := openStore(cmd.Context(), f, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				return err
			}
			defer st.Close()
			chain, err := audit.ChainFromEnv(s.lookup)
			if err != nil {
				return err
			}
			people := auth.New(auth.Config{Store: st, Audit: audit.Log{Store: st, Chain: chain}})
			ctx := audit.WithActor(cmd.Context(), store.AuditActor{Kind: "cli", Name: "bistro admin create"}, "")
			u, err := people.CreateUser(ctx, auth.NewUser{Email: email, Name: name, Password: password, Admin: true})
			var ae *auth.Error
			if errors.As(err, &ae) {
				fmt.Fprintln(s.err, "error:", ae.Message)
				return errFailed
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(s.out, "Created the platform admin %s. Sign in in the web app, or with: bistro login --email %s\n", u.Email, u.Email)
			return nil
		},
	}
	fl := create.Flags()
	fl.StringVar(&email, "email", "", "the admin's email address (required)")
	fl.StringVar(&name, "name", "", "the admin's name")
	fl.StringVar(&f.data, "data", "", "data directory (default ./bistro-data; also "+envData+")")
	fl.StringVar(&f.database, "database-url", "", "PostgreSQL URL of the server (also "+envDatabase+")")
	_ = create.MarkFlagRequired("email")
	cmd.AddCommand(create)
	return cmd
}

func newLoginCmd(s env) *cobra.Command {
	var server, email string
	var days int
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Sign in, so that the other commands act as you",
		Long: `Sign in to a Bistro server with your email and password. It creates an API
token for this computer (with your role; see 'Tokens' in the web app) and keeps
it in your configuration folder, readable by you only. The password is asked
for on a terminal, or read from the first line of standard input.
BISTRO_TOKEN, when set, is used instead.`,
		Example: `  bistro login --email sam@example.com
  bistro login --server https://bistro.example.com --email sam@example.com`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			server = serverURL(s, server)
			password, err := readPassword(s, "Password for "+email+": ")
			if err != nil {
				return err
			}
			host, _ := os.Hostname()
			secret, me, err := client.New(server, "").Login(cmd.Context(), email, password,
				"bistro login on "+firstOf(host, "this computer"), time.Duration(days)*24*time.Hour)
			var ce *client.Error
			if errors.As(err, &ce) {
				fmt.Fprintln(s.err, "error:", ce.Error())
				return errFailed
			}
			if err != nil {
				return err
			}
			path, err := saveCredential(s, server, secret)
			if err != nil {
				return err
			}
			as := "admin"
			if !me.Admin {
				as = "in workspace " + me.Workspace
			}
			fmt.Fprintf(s.out, "Signed in to %s as %s (%s). The token is kept in %s.\n", server, me.User.Email, as, path)
			return nil
		},
	}
	cmd.Flags().StringVar(&server, "server", "", "the Bistro server's address (also BISTRO_URL; default http://127.0.0.1:8080)")
	cmd.Flags().StringVar(&email, "email", "", "your email address (required)")
	cmd.Flags().IntVar(&days, "days", 90, "days until the token stops working; 0 for never")
	_ = cmd.MarkFlagRequired("email")
	return cmd
}

func newLogoutCmd(s env) *cobra.Command {
	var server string
	cmd := &cobra.Command{
		Use:   "logout",
		Short: "Forget the token 'bistro login' kept for a server, and revoke it",
		Example: `  bistro logout
  bistro logout --server https://bistro.example.com`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			server = serverURL(s, server)
			creds, path, err := loadCredentials(s)
			if err != nil {
				return err
			}
			token, ok := creds[server]
			if !ok {
				fmt.Fprintf(s.out, "You were not signed in to %s.\n", server)
				return nil
			}
			c := client.New(server, token)
			if me, err := c.Me(cmd.Context()); err == nil && me.TokenID != "" {
				_ = c.RevokeToken(cmd.Context(), me.TokenID)
			}
			delete(creds, server)
			if err := writeCredentials(path, creds); err != nil {
				return err
			}
			fmt.Fprintf(s.out, "Signed out of %s.\n", server)
			return nil
		},
	}
	cmd.Flags().StringVar(&server, "server", "", "the Bistro server's address (also BISTRO_URL; default http://127.0.0.1:8080)")
	return cmd
}

// readPassword asks on a terminal without echo, or reads the first line
// of standard input.
func readPassword(s env, prompt string) (string, error) {
	v, err := readHidden(s, []string{prompt}, func(int) string {
		return "no password: type it when asked, or give it as the first line of standard input"
	})
	if err != nil {
		return "", err
	}
	return v[0], nil
}

// credentialsPath is where 'bistro login' keeps tokens, by server:
// BISTRO_CONFIG, else bistro/credentials.json in the user's
// configuration folder (XDG_CONFIG_HOME, ~/.config, or %AppData%).
func credentialsPath(s env) (string, error) {
	if p := s.get("BISTRO_CONFIG"); p != "" {
		return filepath.Join(p, "credentials.json"), nil
	}
	dir := s.get("XDG_CONFIG_HOME")
	switch {
	case dir != "":
	case s.get("APPDATA") != "":
		dir = s.get("APPDATA")
	case s.get("HOME") != "":
		dir = filepath.Join(s.get("HOME"), ".config")
	default:
		return "", errors.New("no folder to keep the sign-in in: set BISTRO_CONFIG to one")
	}
	return filepath.Join(dir, "bistro", "credentials.json"), nil
}

func loadCredentials(s env) (map[string]string, string, error) {
	path, err := credentialsPath(s)
	if err != nil {
		return nil, "", err
	}
	creds := map[string]string{}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return creds, path, nil
	}
	if err != nil {
		return nil, path, err
	}
	if err := json.Unmarshal(data, &creds); err != nil {
		return nil, path, fmt.Errorf("%s is damaged (%v): delete it and run 'bistro login' again", path, err)
	}
	return creds, path, nil
}

func saveCredential(s env, server, token string) (string, error) {
	creds, path, err := loadCredentials(s)
	if err != nil {
		return path, err
	}
	creds[server] = token
	return path, writeCredentials(path, creds)
}

func writeCredentials(path string, creds map[string]string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	data, _ := json.MarshalIndent(creds, "", "  ")
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("cannot keep the sign-in in %s: %v", path, err)
	}
	return os.Rename(tmp, path)
}
