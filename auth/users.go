package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/bcrypt"

	"github.com/drydock/drydock/auditlog"
)

// AddUser creates a user with a password. Only system administrators may.
func (s *Service) AddUser(ctx context.Context, actor Principal, name, password string, admin bool) error {
	if err := s.requireAdmin(ctx, actor, "user.create", name); err != nil {
		return err
	}
	if err := ValidateUserName(name); err != nil {
		return err
	}
	hash, err := s.hashPassword(password)
	if err != nil {
		return err
	}
	gen, err := firstGeneration()
	if err != nil {
		return err
	}
	u := User{Name: name, PasswordHash: hash, Admin: admin, TokenGen: gen, Created: s.now().UTC()}
	if err := s.store.CreateUser(ctx, u); err != nil {
		if errors.Is(err, ErrExists) {
			return fmt.Errorf("auth: user %q: %w", name, ErrExists)
		}
		return wrapStore("create user", err)
	}
	reason := ""
	if admin {
		reason = "system administrator"
	}
	s.record(ctx, auditlog.Event{Actor: actor.Name, Action: "user.create", Target: name, Outcome: auditlog.OutcomeAllowed, Reason: reason})
	return nil
}

// SetPassword sets a user's password and revokes the user's tokens.
// System administrators only; users change their own with ChangePassword.
func (s *Service) SetPassword(ctx context.Context, actor Principal, name, password string) error {
	if err := s.requireAdmin(ctx, actor, "user.password", name); err != nil {
		return err
	}
	hash, err := s.hashPassword(password)
	if err != nil {
		return err
	}
	return s.updateUser(ctx, actor, name, "user.password", "", func(u *User) {
		u.PasswordHash = hash
		u.TokenGen++
	})
}

// ChangePassword lets a user replace their own password, proving the
// current one first (under the failed-login limit, as from addr), so that
// a stolen token is not enough to take the account over. Every token the
// user holds stops working.
func (s *Service) ChangePassword(ctx context.Context, actor Principal, addr, current, password string) error {
	if actor.Kind != "user" || actor.Name == "" {
		s.record(ctx, auditlog.Event{Actor: actor.Name, Action: "user.password", Target: actor.Name, Outcome: auditlog.OutcomeDenied, Reason: "only users have passwords", Addr: addr})
		return fmt.Errorf("%w: only users have passwords to change", ErrForbidden)
	}
	if _, _, err := s.guarded(ctx, actor.Name, addr, "user.password", func() (Principal, int64, error) {
		return s.checkUser(ctx, actor.Name, current)
	}); err != nil {
		if errors.Is(err, ErrBadCredentials) {
			return fmt.Errorf("%w: the current password is wrong", ErrForbidden)
		}
		return err
	}
	hash, err := s.hashPassword(password)
	if err != nil {
		return err
	}
	return s.updateUser(ctx, actor, actor.Name, "user.password", "own password", func(u *User) {
		u.PasswordHash = hash
		u.TokenGen++
	})
}

// SetAdmin grants or takes away system administration.
func (s *Service) SetAdmin(ctx context.Context, actor Principal, name string, admin bool) error {
	if err := s.requireAdmin(ctx, actor, "user.admin", name); err != nil {
		return err
	}
	return s.updateUser(ctx, actor, name, "user.admin", fmt.Sprintf("admin=%t", admin), func(u *User) { u.Admin = admin })
}

// SetUserDisabled disables (or enables again) a user; disabling also
// revokes every token the user holds.
func (s *Service) SetUserDisabled(ctx context.Context, actor Principal, name string, disabled bool) error {
	action := "user.enable"
	if disabled {
		action = "user.disable"
	}
	if err := s.requireAdmin(ctx, actor, action, name); err != nil {
		return err
	}
	return s.updateUser(ctx, actor, name, action, "", func(u *User) {
		u.Disabled = disabled
		u.TokenGen++
	})
}

// RevokeUserTokens refuses every token issued to a user or robot so far.
func (s *Service) RevokeUserTokens(ctx context.Context, actor Principal, name string) error {
	if err := s.requireAdmin(ctx, actor, "token.revoke-all", name); err != nil {
		return err
	}
	if IsRobot(name) {
		return s.updateRobot(ctx, actor, name, "token.revoke-all", func(r *Robot) { r.TokenGen++ })
	}
	return s.updateUser(ctx, actor, name, "token.revoke-all", "", func(u *User) { u.TokenGen++ })
}

func (s *Service) updateUser(ctx context.Context, actor Principal, name, action, reason string, change func(*User)) error {
	u, err := s.store.GetUser(ctx, name)
	if err != nil {
		return wrapStore("user "+name, err)
	}
	change(&u)
	if err := s.store.UpdateUser(ctx, u); err != nil {
		return wrapStore("update user", err)
	}
	s.record(ctx, auditlog.Event{Actor: actor.Name, Action: action, Target: name, Outcome: auditlog.OutcomeAllowed, Reason: reason})
	return nil
}

// DeleteUser removes a user and their memberships.
func (s *Service) DeleteUser(ctx context.Context, actor Principal, name string) error {
	if err := s.requireAdmin(ctx, actor, "user.delete", name); err != nil {
		return err
	}
	if err := s.store.DeleteUser(ctx, name); err != nil {
		return wrapStore("delete user "+name, err)
	}
	s.record(ctx, auditlog.Event{Actor: actor.Name, Action: "user.delete", Target: name, Outcome: auditlog.OutcomeAllowed})
	return nil
}

// ListUsers returns every user (password hashes included: callers showing
// them must not print those).
func (s *Service) ListUsers(ctx context.Context, actor Principal) ([]User, error) {
	if err := s.requireAdmin(ctx, actor, "user.list", ""); err != nil {
		return nil, err
	}
	us, err := s.store.ListUsers(ctx)
	if err != nil {
		return nil, wrapStore("list users", err)
	}
	return us, nil
}

func (s *Service) hashPassword(password string) ([]byte, error) {
	if len(password) < s.opts.minPassword {
		return nil, inputErrorf("password too short: %d characters, want at least %d", len(password), s.opts.minPassword)
	}
	if len(password) > 72 {
		// bcrypt ignores everything after 72 bytes; refuse rather than
		// silently accept a password that is not what the user typed.
		return nil, inputErrorf("password too long: %d bytes, bcrypt takes at most 72", len(password))
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), s.opts.cost)
	if err != nil {
		return nil, fmt.Errorf("auth: hash password: %w", err)
	}
	return h, nil
}

// requireAdmin lets only system administrators (and the local CLI) through,
// recording a refusal.
func (s *Service) requireAdmin(ctx context.Context, actor Principal, action, target string) error {
	if actor.Admin {
		return nil
	}
	s.record(ctx, auditlog.Event{Actor: actor.Name, Action: action, Target: target, Outcome: auditlog.OutcomeDenied, Reason: "not a system administrator"})
	return fmt.Errorf("%w: %s needs a system administrator", ErrForbidden, action)
}

// AdminUser is the name of the administrator EnsureAdmin creates.
const AdminUser = "admin"

// EnsureAdmin gives a fresh installation its first administrator: when no
// user exists it creates "admin" with password, or with a random one when
// password is "" (drydock serve passes $DRYDOCK_ADMIN_PASSWORD), and prints
// the generated password to w — the only time it is shown. With users
// already present it does nothing and reports false.
func EnsureAdmin(ctx context.Context, s *Service, password string, w io.Writer) (bool, error) {
	users, err := s.store.ListUsers(ctx)
	if err != nil {
		return false, wrapStore("list users", err)
	}
	if len(users) > 0 {
		return false, nil
	}
	generated := password == ""
	if generated {
		raw := make([]byte, 18)
		if _, err := rand.Read(raw); err != nil {
			return false, fmt.Errorf("auth: admin password: %w", err)
		}
		password = base64.RawURLEncoding.EncodeToString(raw)
	}
	if err := s.AddUser(ctx, Local("first-start"), AdminUser, password, true); err != nil {
		return false, fmt.Errorf("auth: create first administrator: %w", err)
	}
	if generated {
		if _, err := fmt.Fprintf(w, "drydock: created administrator %q with password %s\ndrydock: it is shown only now; change it with `drydock user passwd %s`\n", AdminUser, password, AdminUser); err != nil {
			return true, fmt.Errorf("auth: print admin password: %w", err)
		}
	} else if _, err := fmt.Fprintf(w, "drydock: created administrator %q with the password from the environment\n", AdminUser); err != nil {
		return true, fmt.Errorf("auth: report admin creation: %w", err)
	}
	return true, nil
}
