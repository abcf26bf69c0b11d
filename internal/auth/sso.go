package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/bistro-dev/bistro/internal/audit"
	"github.com/bistro-dev/bistro/internal/store"
)

// GroupRole gives the members of an identity provider's group a role in
// a workspace.
type GroupRole struct {
	Group     string
	Workspace string
	Role      string
}

// SSO is single sign-on: an OpenID Connect provider, and what its groups
// mean in Bistro.
type SSO struct {
	oidc   *OIDC
	groups []GroupRole
	admins []string // groups whose members are platform admins
	key    []byte   // signs the sign-in's state between redirect and callback
}

// stateKeySetting names the installation's random key for SSO state: one
// per installation (a state from another one is worthless), shared by
// every node.
const stateKeySetting = "sso_state_key"

// NewSSO prepares single sign-on; groups map the provider's groups to
// roles, and members of adminGroups are platform admins.
func NewSSO(ctx context.Context, st store.IdentityStore, o *OIDC, groups []GroupRole, adminGroups []string) (*SSO, error) {
	for _, g := range groups {
		if !ValidRole(g.Role) || g.Group == "" || g.Workspace == "" {
			return nil, fmt.Errorf("the group mapping %q=%s:%s is not valid: write group=workspace:role, with a role of viewer, operator, builder or owner", g.Group, g.Workspace, g.Role)
		}
	}
	fresh := make([]byte, 32)
	_, _ = rand.Read(fresh)
	key, err := st.InitSetting(ctx, stateKeySetting, fresh)
	if err != nil {
		return nil, fmt.Errorf("single sign-on key: %w", err)
	}
	return &SSO{oidc: o, groups: groups, admins: adminGroups, key: key}, nil
}

// ParseGroupRole reads a group mapping written group=workspace:role.
func ParseGroupRole(s string) (GroupRole, error) {
	group, rest, ok := strings.Cut(s, "=")
	ws, role, ok2 := strings.Cut(rest, ":")
	g := GroupRole{Group: strings.TrimSpace(group), Workspace: strings.TrimSpace(ws), Role: strings.TrimSpace(role)}
	if !ok || !ok2 || g.Group == "" || g.Workspace == "" || !ValidRole(g.Role) {
		return g, fmt.Errorf("the group mapping %q is not valid: write group=workspace:role, e.g. hr-team=hr:builder", s)
	}
	return g, nil
}

// ssoState is what travels in the state cookie, signed.
type ssoState struct {
	Pending
	Expires time.Time `json:"exp"`
}

// BeginSSO starts a sign-in at the identity provider: the URL to send
// the browser to, and the value of the cookie to keep until it returns.
func (s *Service) BeginSSO() (authURL, cookie string, err error) {
	if s.sso == nil {
		return "", "", refuse(NotFound, "single sign-on is not set up on this server")
	}
	authURL, p, err := s.sso.oidc.Begin()
	if err != nil {
		return "", "", err
	}
	b, _ := json.Marshal(ssoState{Pending: p, Expires: s.now().Add(10 * time.Minute)})
	body := base64.RawURLEncoding.EncodeToString(b)
	return authURL, body + "." + s.sso.sign(body), nil
}

func (o *SSO) sign(body string) string {
	m := hmac.New(sha256.New, o.key)
	m.Write([]byte(body))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

var errSSOState = refuse(Unauthenticated, "the sign-in took too long or was started in another browser; please try again")

// pending reads back a state cookie, refusing forged and stale ones.
func (s *Service) pending(cookie string) (Pending, error) {
	body, sig, ok := strings.Cut(cookie, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(s.sso.sign(body))) {
		return Pending{}, errSSOState
	}
	b, err := base64.RawURLEncoding.DecodeString(body)
	var st ssoState
	if err != nil || json.Unmarshal(b, &st) != nil || !s.now().Before(st.Expires) {
		return Pending{}, errSSOState
	}
	return st.Pending, nil
}

// FinishSSO completes a sign-in when the identity provider sends the
// browser back: the person is found (or added), their roles follow their
// groups, and a session starts.
func (s *Service) FinishSSO(ctx context.Context, cookie, state, code string, c Client) (SignedIn, error) {
	if s.sso == nil {
		return SignedIn{}, refuse(NotFound, "single sign-on is not set up on this server")
	}
	p, err := s.pending(cookie)
	if err != nil {
		return SignedIn{}, err
	}
	id, err := s.sso.oidc.Finish(ctx, p, state, code)
	if err != nil {
		return SignedIn{}, &Error{Kind: Unauthenticated, Message: err.Error()}
	}
	u, err := s.ssoUser(ctx, id)
	if err != nil {
		return SignedIn{}, err
	}
	if !u.Active {
		return SignedIn{}, refuse(Forbidden, "your account is deactivated; ask an admin")
	}
	members, err := s.existing(ctx, s.sso.members(u.ID, id.Groups, s.now()))
	if err != nil {
		return SignedIn{}, err
	}
	if err := s.st.ReplaceSSOMembers(ctx, u.ID, members); err != nil {
		return SignedIn{}, fmt.Errorf("roles of %s from their groups: %w", u.Email, err)
	}
	return s.signedIn(ctx, u, c, "sso")
}

// ssoUser finds the person the provider vouches for: by subject, else by
// a verified email (linking the two), else a new user.
func (s *Service) ssoUser(ctx context.Context, id Identity) (store.User, error) {
	admin := slices.ContainsFunc(id.Groups, func(g string) bool { return slices.Contains(s.sso.admins, g) })
	u, err := s.st.UserBySubject(ctx, id.Issuer, id.Subject)
	if errors.Is(err, store.ErrNotFound) && id.Email != "" && id.EmailVerified {
		u, err = s.st.UserByEmail(ctx, id.Email)
	}
	if errors.Is(err, store.ErrNotFound) {
		u = store.User{ID: uuid.Must(uuid.NewV7()).String(), Email: strings.ToLower(strings.TrimSpace(id.Email)), Name: id.Name, Active: true,
			Admin: admin, Issuer: id.Issuer, Subject: id.Subject, CreatedAt: s.now(), UpdatedAt: s.now()}
		if err := s.st.CreateUser(ctx, u); err != nil {
			return u, fmt.Errorf("add %s from single sign-on: %w", id.Email, err)
		}
		return u, s.record(audit.WithActor(ctx, userActor(u), ""), audit.Change{Action: "user.create", Target: userTarget(u), After: userView(u)})
	}
	if err != nil {
		return u, fmt.Errorf("find %s: %w", id.Email, err)
	}
	if u.Subject == id.Subject && u.Issuer == id.Issuer && (u.Admin || !admin) {
		return u, nil
	}
	u.Issuer, u.Subject, u.Admin, u.UpdatedAt = id.Issuer, id.Subject, u.Admin || admin, s.now()
	if err := s.st.UpdateUser(ctx, u); err != nil {
		return u, fmt.Errorf("link %s to single sign-on: %w", u.Email, err)
	}
	return u, nil
}

// existing keeps the memberships of workspaces that exist: a group
// mapped to a workspace not created yet gives nothing until it is.
func (s *Service) existing(ctx context.Context, members []store.Member) ([]store.Member, error) {
	out := members[:0]
	for _, m := range members {
		_, err := s.st.GetWorkspace(ctx, m.Workspace)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// MissingWorkspaces lists the workspaces the group mappings name that do
// not exist (yet).
func (o *SSO) MissingWorkspaces(ctx context.Context, st store.IdentityStore) ([]string, error) {
	var out []string
	for _, g := range o.groups {
		_, err := st.GetWorkspace(ctx, g.Workspace)
		if errors.Is(err, store.ErrNotFound) && !slices.Contains(out, g.Workspace) {
			out = append(out, g.Workspace)
		} else if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	return out, nil
}

// members are the roles the person's groups give, the highest per
// workspace.
func (o *SSO) members(userID string, groups []string, now time.Time) []store.Member {
	best := map[string]string{}
	for _, g := range o.groups {
		if slices.Contains(groups, g.Group) && Rank(g.Role) > Rank(best[g.Workspace]) {
			best[g.Workspace] = g.Role
		}
	}
	var out []store.Member
	for ws, role := range best {
		out = append(out, store.Member{Workspace: ws, UserID: userID, Role: role, Source: "sso", CreatedAt: now})
	}
	slices.SortFunc(out, func(a, b store.Member) int { return strings.Compare(a.Workspace, b.Workspace) })
	return out
}
