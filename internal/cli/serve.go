package cli

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"github.com/bistro-dev/bistro/internal/redact"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/bistro-dev/bistro/internal/api"
	"github.com/bistro-dev/bistro/internal/audit"
	"github.com/bistro-dev/bistro/internal/auth"
	"github.com/bistro-dev/bistro/internal/connectors"
	"github.com/bistro-dev/bistro/internal/flow"
	"github.com/bistro-dev/bistro/internal/guard"
	"github.com/bistro-dev/bistro/internal/runner"
	"github.com/bistro-dev/bistro/internal/secret"
	"github.com/bistro-dev/bistro/internal/store"
	"github.com/bistro-dev/bistro/internal/store/postgres"
	"github.com/bistro-dev/bistro/internal/store/sqlite"
	"github.com/bistro-dev/bistro/internal/version"
	"github.com/bistro-dev/bistro/internal/webui"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"
)

const (
	envData     = "BISTRO_DATA"
	envDatabase = "BISTRO_DATABASE_URL"
	envListen   = "BISTRO_LISTEN"
	tokenFile   = "admin-token"
)

type serveFlags struct {
	data        string
	database    string
	listen      string
	allowEnv    []string
	allowNet    []string
	allowFolder []string
	workers     int
	maxQueued   int
	drain       time.Duration
	oidc        oidcFlags
}

// oidcFlags set up single sign-on with an OpenID Connect provider.
type oidcFlags struct {
	issuer, clientID, redirectURL, groupsClaim string
	groups, adminGroups                        []string
	// client makes the requests to the provider; nil for the default
	// (tests give one that trusts their provider's certificate).
	client *http.Client
}

func newServe(s env) *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Start the Bistro server",
		Long: `Start the Bistro server: the HTTP API, webhooks, schedules and the workers
that run flows durably. Data lives in the data directory (SQLite) unless
--database-url points at PostgreSQL. On first start an admin API token is
created, printed once and written to <data>/admin-token (readable by the
owner only). The secrets of connections are encrypted with the key in
BISTRO_SECRET_KEY or, without it, in <data>/secret.key, created (readable by
the owner only) at first start: back it up, without it they are lost.`,
		Example: `  bistro serve
  bistro serve --data /var/lib/bistro --listen 0.0.0.0:8080
  bistro serve --database-url postgres://bistro@db.internal:5432/bistro`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s.fill(&f)
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return serve(ctx, s, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.data, "data", "", "data directory (default ./bistro-data; also "+envData+")")
	fl.StringVar(&f.database, "database-url", "", "PostgreSQL URL; without it the data directory's SQLite is used (also "+envDatabase+")")
	fl.StringVar(&f.listen, "listen", "", "address to listen on (default 127.0.0.1:8080, loopback only; also "+envListen+")")
	fl.StringArrayVar(&f.allowEnv, "allow-env", nil, "environment variable flows may read as env.NAME (repeatable; also "+envAllowEnv+")")
	fl.StringArrayVar(&f.allowNet, "allow-network", nil, "private network outbound calls may reach, e.g. 10.0.0.0/8 (repeatable; also "+envAllowNet+")")
	fl.StringArrayVar(&f.allowFolder, "allow-folder", nil, "folder connectors may read and write files in (repeatable; also "+envAllowFolders+")")
	fl.IntVar(&f.workers, "workers", 0, "runs executed at once (default 2 per CPU)")
	fl.IntVar(&f.maxQueued, "max-queued", 10000, "queued runs beyond which new events are answered 503 with Retry-After")
	fl.DurationVar(&f.drain, "drain", 10*time.Second, "on shutdown, how long running steps may finish; the rest resume after restart")
	fl.StringVar(&f.oidc.issuer, "oidc-issuer", "", "single sign-on: the OpenID Connect provider's address (also "+envOIDCIssuer+"; the client secret is read from "+envOIDCSecret+")")
	fl.StringVar(&f.oidc.clientID, "oidc-client-id", "", "single sign-on: Bistro's client id at the provider (also "+envOIDCClientID+")")
	fl.StringVar(&f.oidc.redirectURL, "oidc-redirect-url", "", "single sign-on: Bistro's callback as registered at the provider, https://<bistro>/auth/sso/callback (also "+envOIDCRedirect+")")
	fl.StringArrayVar(&f.oidc.groups, "oidc-group", nil, "single sign-on: group=workspace:role, members of the provider's group get that role (repeatable; also "+envOIDCGroups+")")
	fl.StringArrayVar(&f.oidc.adminGroups, "oidc-admin-group", nil, "single sign-on: a provider group whose members are platform admins (repeatable; also "+envOIDCAdmins+")")
	fl.StringVar(&f.oidc.groupsClaim, "oidc-groups-claim", "", "single sign-on: the ID token claim listing groups (default groups; also "+envOIDCClaim+")")
	return cmd
}

// fill completes the flags from the environment and the defaults.
func (s env) fill(f *serveFlags) {
	pick := func(v *string, name, def string) {
		if *v != "" {
			return
		}
		if e, ok := s.lookup(name); ok && e != "" {
			*v = e
			return
		}
		*v = def
	}
	pick(&f.data, envData, "bistro-data")
	pick(&f.database, envDatabase, "")
	pick(&f.listen, envListen, "127.0.0.1:8080")
	f.allowEnv = append(s.list(envAllowEnv), f.allowEnv...)
	f.allowNet = append(s.list(envAllowNet), f.allowNet...)
	f.allowFolder = append(s.list(envAllowFolders), f.allowFolder...)
	pick(&f.oidc.issuer, envOIDCIssuer, "")
	pick(&f.oidc.clientID, envOIDCClientID, "")
	pick(&f.oidc.redirectURL, envOIDCRedirect, "")
	pick(&f.oidc.groupsClaim, envOIDCClaim, "")
	f.oidc.groups = append(s.list(envOIDCGroups), f.oidc.groups...)
	f.oidc.adminGroups = append(s.list(envOIDCAdmins), f.oidc.adminGroups...)
}

func serve(ctx context.Context, s env, f serveFlags) error {
	started := time.Now()
	// One filter hides secret values everywhere: in logs here, and in run
	// data and replies through the runner, which feeds it the allowed
	// environment variables' values.
	secrets := redact.New()
	logger := slog.New(secrets.Handler(slog.NewTextHandler(s.err, &slog.HandlerOptions{Level: slog.LevelInfo})))
	if err := os.MkdirAll(f.data, 0o700); err != nil {
		return fmt.Errorf("cannot create the data directory %s: %v", f.data, err)
	}
	keys, err := secret.LoadKeyring(s.lookup, f.data)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, f, logger)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := ensureAdminToken(ctx, st, f.data, s); err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	l := loader{allowedEnv: f.allowEnv}
	eng, err := engineOptions(s, l, f.allowEnv, f.allowNet)
	if err != nil {
		return err
	}
	eng.Logger = logger
	cenv, err := connEnv(f.allowNet, f.allowFolder)
	if err != nil {
		return err
	}
	chain, err := audit.ChainFromEnv(s.lookup)
	if err != nil {
		return err
	}
	// The guardrails pause flows through the runner, and the runner asks
	// them before saving, enabling and running a flow.
	var r *runner.Runner
	guards := guard.New(guard.Config{Store: st, Audit: audit.Log{Store: st, Chain: chain}, Logger: logger,
		Known: func(id string) bool { _, ok := connectors.Lookup(id); return ok },
		Pause: func(ctx context.Context, ws, name string) error { return r.SetFlowEnabled(ctx, ws, name, false) }})
	quota := func(ctx context.Context, ws string) (int, int) {
		q := guards.Quota(ctx, ws)
		return q.RunsPerDay, q.ConcurrentRuns
	}
	r, err = runner.New(runner.Config{Store: st, Engine: eng, AllowedEnv: f.allowEnv, Logger: logger, Allowed: guards.Allowed,
		Quota: quota, OverQuota: guards.OverQuota,
		PolicyCheck: func(ctx context.Context, ws string, doc *flow.Document) (flow.Diagnostics, error) {
			return guards.CheckPolicy(ctx, ws, doc, flow.SeverityError, connectors.Lookup)
		},
		MaxQueued: f.maxQueued, Workers: f.workers, DrainTimeout: f.drain, Registry: reg, Redact: secrets,
		Keyring: keys, ConnEnv: cenv})
	if err != nil {
		return err
	}
	sso, err := singleSignOn(ctx, st, f.oidc, s)
	if err != nil {
		return err
	}
	if sso != nil {
		missing, err := sso.MissingWorkspaces(ctx, st)
		if err != nil {
			return err
		}
		for _, ws := range missing {
			logger.Warn("an --oidc-group names a workspace that does not exist: its members get no role there until an admin creates it", "workspace", ws)
		}
		logger.Info("single sign-on is on", "issuer", f.oidc.issuer)
	}
	people := auth.New(auth.Config{Store: st, Audit: audit.Log{Store: st, Chain: chain}, SSO: sso})
	if err := firstAdmin(ctx, people, s, logger); err != nil {
		return err
	}
	handler := webui.WithAPI(api.New(api.Config{Backend: r, Auth: people, Guard: guards, Logger: logger, Registry: reg, Version: version.String()}))
	return listenAndServe(ctx, f, logger, handler, r, started)
}

func openStore(ctx context.Context, f serveFlags, logger *slog.Logger) (store.Store, error) {
	if f.database != "" {
		st, err := postgres.Open(ctx, postgres.Config{URL: f.database, Logger: logger})
		if err != nil {
			return nil, fmt.Errorf("cannot use the PostgreSQL database: %w", err)
		}
		return st, nil
	}
	st, err := sqlite.Open(ctx, sqlite.Config{Dir: f.data, Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("cannot open the database in %s: %w", f.data, err)
	}
	return st, nil
}

func listenAndServe(ctx context.Context, f serveFlags, logger *slog.Logger, h http.Handler, r *runner.Runner, started time.Time) error {
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %v", f.listen, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	work := make(chan error, 1)
	go func() { work <- r.Start(ctx) }()
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	logger.Info("bistro is ready", "url", "http://"+ln.Addr().String(), "version", version.String(), "started_in", time.Since(started).Round(time.Millisecond))
	select {
	case err = <-serveErr:
	case <-ctx.Done():
	case err = <-work:
	}
	logger.Info("bistro is stopping", "drain", f.drain)
	shut, cancel := context.WithTimeout(context.Background(), f.drain)
	defer cancel()
	_ = srv.Shutdown(shut)
	if werr := <-work; werr != nil && !errors.Is(werr, context.Canceled) && err == nil {
		err = werr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// ensureAdminToken creates the first admin API token when there is none:
// stored hashed, printed once, and written 0600 into the data directory.
func ensureAdminToken(ctx context.Context, st store.Store, dir string, s env) error {
	n, err := st.CountTokens(ctx)
	if err != nil || n > 0 {
		return err
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return err
	}
	token := "bistro_" + base64.RawURLEncoding.EncodeToString(secret)
	hash := sha256.Sum256([]byte(token))
	path := filepath.Join(dir, tokenFile)
	if err := os.WriteFile(path, []byte(token+"\n"), 0o600); err != nil {
		return fmt.Errorf("cannot write the admin token to %s: %v", path, err)
	}
	t := store.Token{ID: uuid.NewString(), Name: "admin (first start)", Hash: hash[:],
		Role: "admin", Workspace: store.DefaultWorkspace, CreatedAt: time.Now().UTC()}
	if err := st.CreateToken(ctx, t); err != nil {
		return err
	}
	fmt.Fprintf(s.err, "\nAn admin API token was created. It is shown once, and saved in %s:\n\n    %s\n\nThe CLI reads it from BISTRO_TOKEN or that file.\n\n", path, token)
	return nil
}

// Environment variables that set up single sign-on.
const (
	envOIDCIssuer   = "BISTRO_OIDC_ISSUER"
	envOIDCClientID = "BISTRO_OIDC_CLIENT_ID"
	envOIDCSecret   = "BISTRO_OIDC_CLIENT_SECRET"
	envOIDCRedirect = "BISTRO_OIDC_REDIRECT_URL"
	envOIDCGroups   = "BISTRO_OIDC_GROUPS"
	envOIDCAdmins   = "BISTRO_OIDC_ADMIN_GROUPS"
	envOIDCClaim    = "BISTRO_OIDC_GROUPS_CLAIM"
)

// singleSignOn connects to the identity provider when one is set up; nil
// when none is.
func singleSignOn(ctx context.Context, st store.Store, f oidcFlags, s env) (*auth.SSO, error) {
	if f.issuer == "" {
		if f.clientID != "" || len(f.groups) > 0 || len(f.adminGroups) > 0 {
			return nil, errors.New("single sign-on is half set up: give the provider's address with --oidc-issuer (or " + envOIDCIssuer + ")")
		}
		return nil, nil
	}
	if f.clientID == "" || f.redirectURL == "" {
		return nil, errors.New("single sign-on needs --oidc-client-id and --oidc-redirect-url (or " + envOIDCClientID + " and " + envOIDCRedirect + ") besides --oidc-issuer")
	}
	var groups []auth.GroupRole
	for _, g := range f.groups {
		gr, err := auth.ParseGroupRole(g)
		if err != nil {
			return nil, fmt.Errorf("--oidc-group: %w", err)
		}
		groups = append(groups, gr)
	}
	secret, _ := s.lookup(envOIDCSecret)
	o, err := auth.NewOIDC(ctx, auth.OIDCConfig{Issuer: f.issuer, ClientID: f.clientID, ClientSecret: secret,
		RedirectURL: f.redirectURL, GroupsClaim: f.groupsClaim}, f.client)
	if err != nil {
		return nil, fmt.Errorf("single sign-on: %w", err)
	}
	return auth.NewSSO(ctx, st, o, groups, f.adminGroups)
}

// Environment variables that create the first admin at start, for
// installations set up without a person at the keyboard.
const (
	envAdminEmail    = "BISTRO_ADMIN_EMAIL"
	envAdminPassword = "BISTRO_ADMIN_PASSWORD"
)

// firstAdmin creates the first admin from the environment when asked
// to and none exists yet, and otherwise says how to create one.
func firstAdmin(ctx context.Context, people *auth.Service, s env, logger *slog.Logger) error {
	need, err := people.NeedsSetup(ctx)
	if err != nil || !need {
		return err
	}
	email, _ := s.lookup(envAdminEmail)
	password, _ := s.lookup(envAdminPassword)
	if email == "" || password == "" {
		logger.Info("no admin yet: open the web app from this machine to create one, or set " + envAdminEmail + " and " + envAdminPassword)
		return nil
	}
	if _, err := people.Setup(ctx, auth.NewUser{Email: email, Password: password}, auth.Client{Address: "127.0.0.1"}); err != nil {
		return fmt.Errorf("cannot create the first admin from %s: %w", envAdminEmail, err)
	}
	logger.Info("the first admin was created", "email", email)
	return nil
}
