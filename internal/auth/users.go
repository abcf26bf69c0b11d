package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bistro-dev/bistro/internal/audit"
	"github.com/bistro-dev/bistro/internal/store"
)

func noUser(id string) *Error { return refuse(NotFound, "there is no user with id '%s'", id) }

// ListUsers lists every user.
func (s *Service) ListUsers(ctx context.Context) ([]store.User, error) {
	return s.st.ListUsers(ctx)
}

// GetUser returns a user.
func (s *Service) GetUser(ctx context.Context, id string) (store.User, error) {
	u, err := s.st.GetUser(ctx, id)
	return u, notFoundAs(err, noUser(id))
}

// CreateUser adds a person (a platform admin's job).
func (s *Service) CreateUser(ctx context.Context, in NewUser) (store.User, error) {
	u, err := s.newUser(ctx, in)
	if err != nil {
		return u, err
	}
	return u, s.record(ctx, audit.Change{Action: "user.create", Target: userTarget(u), After: userView(u)})
}

// UserChange is a change to a user's profile; nil fields stay as they are.
type UserChange struct {
	Name  *string
	Email *string
	Admin *bool
}

// UpdateUser changes a user's name, email or admin flag. The last active
// admin cannot stop being one.
func (s *Service) UpdateUser(ctx context.Context, id string, ch UserChange) (store.User, error) {
	before, err := s.GetUser(ctx, id)
	if err != nil {
		return before, err
	}
	u := before
	if ch.Name != nil {
		u.Name = strings.TrimSpace(*ch.Name)
	}
	if ch.Email != nil {
		if u.Email, err = checkEmail(*ch.Email); err != nil {
			return before, err
		}
	}
	if ch.Admin != nil {
		if before.Admin && !*ch.Admin {
			if err := s.keepAnAdmin(ctx, before); err != nil {
				return before, err
			}
		}
		u.Admin = *ch.Admin
	}
	u.UpdatedAt = s.now()
	if err := s.st.UpdateUser(ctx, u); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return before, &Error{Kind: Conflict, Field: "body.email", Message: fmt.Sprintf("there is a user with the email %s already", u.Email)}
		}
		return before, fmt.Errorf("update user %s: %w", id, err)
	}
	return u, s.record(ctx, audit.Change{Action: "user.update", Target: userTarget(u), Before: userView(before), After: userView(u)})
}

// keepAnAdmin refuses a change that would leave no active admin.
func (s *Service) keepAnAdmin(ctx context.Context, u store.User) error {
	if !u.Admin || !u.Active {
		return nil
	}
	n, err := s.st.CountAdmins(ctx)
	if err != nil {
		return fmt.Errorf("count admins: %w", err)
	}
	if n <= 1 {
		return refuse(Conflict, "%s is the last admin: make someone else an admin first", u.Email)
	}
	return nil
}

// Deactivate signs a person out everywhere at once (sessions deleted,
// tokens revoked, memberships removed) and pauses their flows, or hands
// them to reassignTo, so that nothing runs on under a departed person.
func (s *Service) Deactivate(ctx context.Context, by Principal, id, reassignTo string) (store.Deactivated, error) {
	u, err := s.GetUser(ctx, id)
	if err != nil {
		return store.Deactivated{}, err
	}
	if by.User.ID == id {
		return store.Deactivated{}, refuse(Conflict, "you cannot deactivate yourself: ask another admin")
	}
	if err := s.keepAnAdmin(ctx, u); err != nil {
		return store.Deactivated{}, err
	}
	if reassignTo != "" {
		to, err := s.st.GetUser(ctx, reassignTo)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return store.Deactivated{}, fmt.Errorf("find %s: %w", reassignTo, err)
		}
		if err != nil || !to.Active || to.ID == id {
			return store.Deactivated{}, invalid("body.reassign_to", "flows can only be handed to another active user")
		}
	}
	d, err := s.st.DeactivateUser(ctx, store.Deactivation{UserID: id, ReassignTo: reassignTo, At: s.now()})
	if err != nil {
		return d, fmt.Errorf("deactivate %s: %w", u.Email, err)
	}
	after := userView(u)
	after["active"] = false
	after["sessions_ended"], after["tokens_revoked"], after["flows"] = d.Sessions, d.Tokens, d.Flows
	after["flows_to"] = reassignTo
	return d, s.record(ctx, audit.Change{Action: "user.deactivate", Target: userTarget(u), Before: userView(u), After: after})
}

// Reactivate lets a deactivated person sign in again (with no roles:
// they were removed).
func (s *Service) Reactivate(ctx context.Context, id string) (store.User, error) {
	u, err := s.GetUser(ctx, id)
	if err != nil {
		return u, err
	}
	if err := s.st.ReactivateUser(ctx, id); err != nil {
		return u, fmt.Errorf("reactivate %s: %w", u.Email, err)
	}
	before := u
	u.Active, u.DeactivatedAt = true, time.Time{}
	return u, s.record(ctx, audit.Change{Action: "user.reactivate", Target: userTarget(u), Before: userView(before), After: userView(u)})
}

// Reset is a password reset link's secret, shown once to the admin who
// asked for it.
type Reset struct {
	Secret  string
	Expires time.Time
}

// ResetPassword starts an admin-initiated password reset: a one-time
// secret, valid for a day, that lets the person choose a new password.
func (s *Service) ResetPassword(ctx context.Context, id string) (Reset, error) {
	u, err := s.GetUser(ctx, id)
	if err != nil {
		return Reset{}, err
	}
	if !u.Active {
		return Reset{}, refuse(Conflict, "%s is deactivated: reactivate the user first", u.Email)
	}
	secret, hash := newSecret("bistro_reset_")
	u.ResetHash, u.ResetExpires, u.UpdatedAt = hash, s.now().Add(DefaultResetLifetime), s.now()
	if err := s.st.UpdateUser(ctx, u); err != nil {
		return Reset{}, fmt.Errorf("reset the password of %s: %w", u.Email, err)
	}
	return Reset{Secret: secret, Expires: u.ResetExpires},
		s.record(ctx, audit.Change{Action: "user.password_reset", Target: userTarget(u), After: map[string]any{"expires": u.ResetExpires}})
}

// CompleteReset sets a new password with a reset secret, unlocks the
// account and ends every session of the person.
func (s *Service) CompleteReset(ctx context.Context, secret, password string, c Client) error {
	u, err := s.st.UserByResetHash(ctx, hashOf(secret), s.now())
	if err != nil {
		return notFoundAs(err, invalid("body.token", "this reset link is not valid any more (it may have been used or have expired); ask an admin for a new one"))
	}
	ctx = audit.WithActor(ctx, userActor(u), c.Address)
	return s.setPassword(ctx, u, password, "user.password_set")
}

// ChangePassword changes the principal's own password after checking the
// current one, and ends every session of the person; the browser that
// asked gets a new one.
func (s *Service) ChangePassword(ctx context.Context, p Principal, current, password string, c Client) (SignedIn, error) {
	if p.User.ID == "" {
		return SignedIn{}, refuse(Forbidden, "an installation token has no password")
	}
	u, err := s.st.GetUser(ctx, p.User.ID)
	if err != nil {
		return SignedIn{}, err
	}
	if ok, _ := VerifyPassword(u.PasswordHash, current); u.PasswordHash == "" || !ok {
		return SignedIn{}, invalid("body.current", "the current password is not right")
	}
	if err := s.setPassword(ctx, u, password, "user.password_change"); err != nil {
		return SignedIn{}, err
	}
	return s.startSession(ctx, u, c)
}

func (s *Service) setPassword(ctx context.Context, u store.User, password, action string) error {
	hash, err := newPasswordHash(password)
	if err != nil {
		return err
	}
	u.PasswordHash, u.ResetHash, u.ResetExpires, u.UpdatedAt = hash, nil, time.Time{}, s.now()
	if err := s.st.UpdateUser(ctx, u); err != nil {
		return fmt.Errorf("set the password of %s: %w", u.Email, err)
	}
	if err := s.st.LoginSucceeded(ctx, u.ID); err != nil {
		return fmt.Errorf("unlock %s: %w", u.Email, err)
	}
	n, err := s.st.DeleteUserSessions(ctx, u.ID)
	if err != nil {
		return fmt.Errorf("end the sessions of %s: %w", u.Email, err)
	}
	return s.record(ctx, audit.Change{Action: action, Target: userTarget(u), After: map[string]any{"sessions_ended": n}})
}

// FindUser finds a user by email.
func (s *Service) FindUser(ctx context.Context, email string) (store.User, error) {
	u, err := s.st.UserByEmail(ctx, strings.TrimSpace(email))
	return u, notFoundAs(err, &Error{Kind: NotFound, Field: "body.email", Message: fmt.Sprintf("there is no user with the email %s; an admin can add them", strings.TrimSpace(email))})
}
