// Package auth is who may do what in Bistro: people and their sign-in
// (passwords, sessions, single sign-on), API tokens, workspaces and the
// roles people have in them. Every change it makes is an audit event.
// The HTTP API authenticates every request through a Service and asks it
// for the caller's role in the workspace the request is about.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"time"

	"github.com/bistro-dev/bistro/internal/audit"
	"github.com/bistro-dev/bistro/internal/clock"
	"github.com/bistro-dev/bistro/internal/store"
)

// Store is what the service keeps its state in.
type Store interface {
	store.IdentityStore
	store.TokenStore
}

// Defaults of Config.
const (
	DefaultSessionLifetime = 7 * 24 * time.Hour
	DefaultLockAfter       = 5
	DefaultLockFor         = 15 * time.Minute
	DefaultResetLifetime   = 24 * time.Hour
)

// Config is what a Service is built from.
type Config struct {
	Store Store
	Audit audit.Log
	Clock clock.Clock // default clock.Real{}
	// SessionLifetime is how long a browser stays signed in.
	SessionLifetime time.Duration
	// LockAfter wrong passwords in a row lock an account for LockFor.
	LockAfter int
	LockFor   time.Duration
	// SignInLimit limits sign-in attempts per client address; default ten
	// a minute.
	SignInLimit *Limiter
	// SSO is single sign-on with OpenID Connect; nil when not configured.
	SSO *SSO
}

// Service authenticates people and tokens and manages users, tokens and
// workspaces.
type Service struct {
	st      Store
	audit   audit.Log
	clock   clock.Clock
	life    time.Duration
	lockN   int
	lockFor time.Duration
	limit   *Limiter
	sso     *SSO
}

// New returns a Service.
func New(cfg Config) *Service {
	s := &Service{st: cfg.Store, audit: cfg.Audit, clock: cfg.Clock, life: cfg.SessionLifetime,
		lockN: cfg.LockAfter, lockFor: cfg.LockFor, limit: cfg.SignInLimit, sso: cfg.SSO}
	if s.clock == nil {
		s.clock = clock.Real{}
	}
	if s.life <= 0 {
		s.life = DefaultSessionLifetime
	}
	if s.lockN <= 0 {
		s.lockN = DefaultLockAfter
	}
	if s.lockFor <= 0 {
		s.lockFor = DefaultLockFor
	}
	if s.limit == nil {
		s.limit = NewLimiter(6*time.Second, 10, 10000)
	}
	return s
}

func (s *Service) now() time.Time { return s.clock.Now().UTC() }

// SSOEnabled reports whether single sign-on is configured.
func (s *Service) SSOEnabled() bool { return s.sso != nil }

// newSecret returns a random secret with a prefix that says what it is
// (so a leaked one is recognisable in a scan) and its sha256.
func newSecret(prefix string) (string, []byte) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	secret := prefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, hashOf(secret)
}

func hashOf(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// record writes an audit event; a failure to record fails the call, so
// no change goes unrecorded without the caller hearing of it.
func (s *Service) record(ctx context.Context, c audit.Change) error {
	if s.audit.Store == nil {
		return nil
	}
	_, err := s.audit.Record(ctx, c)
	return err
}

// userActor is how a person appears in the audit log.
func userActor(u store.User) store.AuditActor {
	return store.AuditActor{Kind: "user", ID: u.ID, Name: u.Email}
}

// userView is a user as the audit log records it: never a hash.
func userView(u store.User) map[string]any {
	return map[string]any{"id": u.ID, "email": u.Email, "name": u.Name, "admin": u.Admin, "active": u.Active,
		"sso": u.Subject != ""}
}

func userTarget(u store.User) store.AuditTarget {
	return store.AuditTarget{Kind: "user", ID: u.ID, Name: u.Email}
}
