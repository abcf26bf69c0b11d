package auth

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/mail"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/bistro-dev/bistro/internal/audit"
	"github.com/bistro-dev/bistro/internal/store"
)

// Client is where a request came from, for sessions, rate limits and
// the audit log.
type Client struct {
	Address   string // the client's IP address
	UserAgent string
}

// NewUser is a person to add.
type NewUser struct {
	Email    string
	Name     string
	Password string // "" for a person who signs in with single sign-on only
	Admin    bool
}

// SignedIn is a new session: Secret is the cookie value, shown once.
type SignedIn struct {
	User    store.User
	Session store.Session
	Secret  string
}

// NeedsSetup reports whether the installation has no admin yet, so the
// first one may be created (from the machine itself only: see the API).
func (s *Service) NeedsSetup(ctx context.Context) (bool, error) {
	n, err := s.st.CountAdmins(ctx)
	if err != nil {
		return false, fmt.Errorf("count admins: %w", err)
	}
	return n == 0, nil
}

// Setup creates the first platform admin and signs them in. Once an
// admin exists it is refused: there is no open setup and no default
// password.
func (s *Service) Setup(ctx context.Context, in NewUser, c Client) (SignedIn, error) {
	need, err := s.NeedsSetup(ctx)
	if err != nil {
		return SignedIn{}, err
	}
	if !need {
		return SignedIn{}, refuse(Forbidden, "Bistro is set up already: an admin can add you as a user")
	}
	in.Admin = true
	u, err := s.newUser(ctx, in)
	if err != nil {
		return SignedIn{}, err
	}
	ctx = audit.WithActor(ctx, userActor(u), c.Address)
	if err := s.record(ctx, audit.Change{Action: "user.setup", Target: userTarget(u), After: userView(u)}); err != nil {
		return SignedIn{}, err
	}
	return s.startSession(ctx, u, c)
}

// newUser checks and stores a new user.
func (s *Service) newUser(ctx context.Context, in NewUser) (store.User, error) {
	email, err := checkEmail(in.Email)
	if err != nil {
		return store.User{}, err
	}
	u := store.User{ID: uuid.Must(uuid.NewV7()).String(), Email: email, Name: strings.TrimSpace(in.Name),
		Admin: in.Admin, Active: true, CreatedAt: s.now(), UpdatedAt: s.now()}
	if in.Password != "" {
		if u.PasswordHash, err = newPasswordHash(in.Password); err != nil {
			return store.User{}, err
		}
	}
	if err := s.st.CreateUser(ctx, u); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return store.User{}, &Error{Kind: Conflict, Field: "body.email", Message: fmt.Sprintf("there is a user with the email %s already", email)}
		}
		return store.User{}, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

func newPasswordHash(password string) (string, error) {
	if err := CheckPassword(password); err != nil {
		return "", &Error{Kind: Invalid, Field: "body.password", Message: err.Error()}
	}
	return HashPassword(password)
}

func checkEmail(email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || !strings.Contains(email, "@") {
		return "", invalid("body.email", "'%s' is not an email address, e.g. sam@example.com", email)
	}
	return email, nil
}

// SignIn checks an email and password and starts a session. Wrong
// credentials get one answer whether or not the email exists; too many
// in a row lock the account for a while, and too many attempts from one
// address are slowed down.
func (s *Service) SignIn(ctx context.Context, email, password string, c Client) (SignedIn, error) {
	if ok, wait := s.limit.Allow(c.Address, s.now()); !ok {
		return SignedIn{}, s.limited(wait, "there were too many sign-in attempts from your address")
	}
	u, err := s.st.UserByEmail(ctx, strings.TrimSpace(email))
	if errors.Is(err, store.ErrNotFound) || (err == nil && (!u.Active || u.PasswordHash == "")) {
		DummyVerify(password)
		return SignedIn{}, s.failed(ctx, u, email, c, "unknown or inactive user")
	}
	if err != nil {
		return SignedIn{}, fmt.Errorf("sign in: %w", err)
	}
	if wait := u.LockedUntil.Sub(s.now()); wait > 0 {
		DummyVerify(password)
		_ = s.failed(ctx, u, email, c, "account locked")
		return SignedIn{}, s.locked(wait)
	}
	ok, err := VerifyPassword(u.PasswordHash, password)
	if err != nil {
		return SignedIn{}, fmt.Errorf("sign in %s: %w", u.Email, err)
	}
	if !ok {
		return SignedIn{}, s.wrongPassword(ctx, u, email, c)
	}
	if err := s.st.LoginSucceeded(ctx, u.ID); err != nil {
		return SignedIn{}, fmt.Errorf("sign in %s: %w", u.Email, err)
	}
	return s.signedIn(ctx, u, c, "password")
}

// wrongPassword counts the failure, locking the account at the limit.
func (s *Service) wrongPassword(ctx context.Context, u store.User, email string, c Client) error {
	after, err := s.st.LoginFailed(ctx, u.ID, s.lockN, s.now().Add(s.lockFor))
	if err != nil {
		return fmt.Errorf("sign in %s: %w", u.Email, err)
	}
	if err := s.failed(ctx, u, email, c, "wrong password"); err != nil && KindOf(err) == 0 {
		return err
	}
	if wait := after.LockedUntil.Sub(s.now()); wait > 0 {
		return s.locked(wait)
	}
	return errWrongCredentials
}

// failed records a failed sign-in and answers errWrongCredentials.
func (s *Service) failed(ctx context.Context, u store.User, email string, c Client, why string) error {
	actor := store.AuditActor{Kind: "anonymous", Name: strings.TrimSpace(email)}
	target := store.AuditTarget{Kind: "user", Name: strings.TrimSpace(email)}
	if u.ID != "" {
		target = userTarget(u)
	}
	ctx = audit.WithActor(ctx, actor, c.Address)
	if err := s.record(ctx, audit.Change{Action: "auth.sign_in_failed", Target: target,
		After: map[string]any{"reason": why, "user_agent": c.UserAgent}}); err != nil {
		return err
	}
	return errWrongCredentials
}

func (s *Service) locked(wait time.Duration) error {
	return s.limited(wait, "this account is locked after too many wrong passwords")
}

func (s *Service) limited(wait time.Duration, what string) error {
	mins := int(math.Ceil(wait.Minutes()))
	when := fmt.Sprintf("in %d minutes", mins)
	if wait < time.Minute {
		when = fmt.Sprintf("in %d seconds", int(math.Ceil(wait.Seconds())))
	}
	return &Error{Kind: Limited, RetryAfter: wait,
		Message: fmt.Sprintf("%s; try again %s, or ask an admin to reset the password", what, when)}
}

// signedIn records the sign-in and starts the session.
func (s *Service) signedIn(ctx context.Context, u store.User, c Client, how string) (SignedIn, error) {
	ctx = audit.WithActor(ctx, userActor(u), c.Address)
	if err := s.record(ctx, audit.Change{Action: "auth.sign_in", Target: userTarget(u),
		After: map[string]any{"method": how, "user_agent": c.UserAgent}}); err != nil {
		return SignedIn{}, err
	}
	return s.startSession(ctx, u, c)
}

func (s *Service) startSession(ctx context.Context, u store.User, c Client) (SignedIn, error) {
	secret, hash := newSecret("bistro_s_")
	now := s.now()
	sess := store.Session{ID: uuid.Must(uuid.NewV7()).String(), Hash: hash, UserID: u.ID, Source: c.Address,
		UserAgent: c.UserAgent, CreatedAt: now, ExpiresAt: now.Add(s.life), LastSeen: now}
	if err := s.st.CreateSession(ctx, sess); err != nil {
		return SignedIn{}, fmt.Errorf("start a session for %s: %w", u.Email, err)
	}
	return SignedIn{User: u, Session: sess, Secret: secret}, nil
}

// Session authenticates a browser by its session cookie's value.
func (s *Service) Session(ctx context.Context, secret string) (Principal, error) {
	sess, err := s.st.SessionByHash(ctx, hashOf(secret), s.now())
	if err != nil {
		return Principal{}, notFoundAs(err, refuse(Unauthenticated, "you are signed out; please sign in again"))
	}
	u, err := s.st.GetUser(ctx, sess.UserID)
	if err != nil {
		return Principal{}, notFoundAs(err, refuse(Unauthenticated, "you are signed out; please sign in again"))
	}
	// Record use at most once a minute: not a write per request.
	if s.now().Sub(sess.LastSeen) > time.Minute {
		_ = s.st.TouchSession(ctx, sess.ID, s.now())
	}
	return Principal{User: u, SessionID: sess.ID}, nil
}

// Token authenticates an API token by its secret.
func (s *Service) Token(ctx context.Context, secret string) (Principal, error) {
	tok, err := s.st.TokenByHash(ctx, hashOf(secret))
	bad := refuse(Unauthenticated, "the API token is not valid (it may be mistyped, expired or revoked)")
	if err != nil {
		return Principal{}, notFoundAs(err, bad)
	}
	if !tok.ExpiresAt.IsZero() && !s.now().Before(tok.ExpiresAt) {
		return Principal{}, bad
	}
	p := Principal{Token: &tok}
	if tok.UserID == "" {
		return p, nil
	}
	if p.User, err = s.st.GetUser(ctx, tok.UserID); err != nil || !p.User.Active {
		return Principal{}, notFoundAs(err, bad)
	}
	return p, nil
}

// SignOut ends the principal's session.
func (s *Service) SignOut(ctx context.Context, p Principal) error {
	if p.SessionID == "" {
		return nil
	}
	if err := s.st.DeleteSession(ctx, p.SessionID); err != nil {
		return fmt.Errorf("sign out: %w", err)
	}
	return s.record(ctx, audit.Change{Action: "auth.sign_out", Target: userTarget(p.User)})
}

// SignOutEverywhere ends every session of the principal's person.
func (s *Service) SignOutEverywhere(ctx context.Context, p Principal) (int, error) {
	if p.User.ID == "" {
		return 0, refuse(Forbidden, "an installation token has no sessions to end")
	}
	n, err := s.st.DeleteUserSessions(ctx, p.User.ID)
	if err != nil {
		return 0, fmt.Errorf("sign out everywhere: %w", err)
	}
	return n, s.record(ctx, audit.Change{Action: "auth.sign_out_everywhere", Target: userTarget(p.User),
		After: map[string]any{"sessions_ended": n}})
}
