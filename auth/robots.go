package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/internal/span"
)

// Robot secrets are 32 random bytes. With that much entropy a fast hash is
// as safe as bcrypt against guessing, and it keeps CI pulls (which log in
// on every job) from paying bcrypt's cost on each token request.
const robotSecretBytes = 32

// CreateRobot makes robot$ns+short with a role in ns and returns the
// account and its secret. The secret is shown this once: only its hash is
// kept. expires zero means the robot never expires. Namespace admins (and
// system admins) may create robots.
func (s *Service) CreateRobot(ctx context.Context, actor Principal, ns, short string, role Role, expires time.Time) (Robot, string, error) {
	full := RobotName(ns, short)
	if _, _, err := ParseRobotName(full); err != nil {
		return Robot{}, "", err
	}
	if role < RoleReader || role > RoleAdmin {
		return Robot{}, "", inputErrorf("robot %s needs a role", full)
	}
	if !expires.IsZero() && !expires.After(s.now()) {
		return Robot{}, "", inputErrorf("robot %s: expiry %s is in the past", full, expires.Format(time.RFC3339))
	}
	if err := s.requireNamespaceAdmin(ctx, actor, ns, "robot.create", full); err != nil {
		return Robot{}, "", err
	}
	raw := make([]byte, robotSecretBytes)
	if _, err := rand.Read(raw); err != nil {
		return Robot{}, "", fmt.Errorf("auth: robot secret: %w", err)
	}
	secret := base64.RawURLEncoding.EncodeToString(raw)
	sum := sha256.Sum256([]byte(secret))
	gen, err := firstGeneration()
	if err != nil {
		return Robot{}, "", err
	}
	r := Robot{
		Name: full, Namespace: ns, Role: role, SecretHash: sum[:], TokenGen: gen,
		Expires: expires.UTC(), CreatedBy: actor.Name, Created: s.now().UTC(),
	}
	if err := s.store.CreateRobot(ctx, r); err != nil {
		if errors.Is(err, ErrExists) {
			return Robot{}, "", fmt.Errorf("auth: robot %q: %w", full, ErrExists)
		}
		return Robot{}, "", wrapStore("create robot", err)
	}
	reason := "role " + role.String()
	if !expires.IsZero() {
		reason += ", expires " + expires.UTC().Format(time.RFC3339)
	}
	s.record(ctx, auditlog.Event{Actor: actor.Name, Action: "robot.create", Target: full, Outcome: auditlog.OutcomeAllowed, Reason: reason})
	return r, secret, nil
}

// ListRobots lists a namespace's robots ("" for all: system admins only).
func (s *Service) ListRobots(ctx context.Context, actor Principal, ns string) ([]Robot, error) {
	if ns == "" {
		if err := s.requireAdmin(ctx, actor, "robot.list", ""); err != nil {
			return nil, err
		}
	} else if err := s.requireNamespaceAdmin(ctx, actor, ns, "robot.list", ns); err != nil {
		return nil, err
	}
	rs, err := s.store.ListRobots(ctx, ns)
	if err != nil {
		return nil, wrapStore("list robots", err)
	}
	return rs, nil
}

// SetRobotDisabled disables (or enables) a robot, revoking its tokens.
func (s *Service) SetRobotDisabled(ctx context.Context, actor Principal, name string, disabled bool) error {
	action := "robot.enable"
	if disabled {
		action = "robot.disable"
	}
	ns, _, err := ParseRobotName(name)
	if err != nil {
		return err
	}
	if err := s.requireNamespaceAdmin(ctx, actor, ns, action, name); err != nil {
		return err
	}
	return s.updateRobot(ctx, actor, name, action, func(r *Robot) {
		r.Disabled = disabled
		r.TokenGen++
	})
}

// DeleteRobot removes a robot account.
func (s *Service) DeleteRobot(ctx context.Context, actor Principal, name string) error {
	ns, _, err := ParseRobotName(name)
	if err != nil {
		return err
	}
	if err := s.requireNamespaceAdmin(ctx, actor, ns, "robot.delete", name); err != nil {
		return err
	}
	if err := s.store.DeleteRobot(ctx, name); err != nil {
		return wrapStore("delete robot "+name, err)
	}
	s.record(ctx, auditlog.Event{Actor: actor.Name, Action: "robot.delete", Target: name, Outcome: auditlog.OutcomeAllowed})
	return nil
}

func (s *Service) updateRobot(ctx context.Context, actor Principal, name, action string, change func(*Robot)) error {
	r, err := s.store.GetRobot(ctx, name)
	if err != nil {
		return wrapStore("robot "+name, err)
	}
	change(&r)
	if err := s.store.UpdateRobot(ctx, r); err != nil {
		return wrapStore("update robot", err)
	}
	s.record(ctx, auditlog.Event{Actor: actor.Name, Action: action, Target: name, Outcome: auditlog.OutcomeAllowed})
	return nil
}

// checkRobot verifies a robot's secret and that it is enabled and unexpired.
func (s *Service) checkRobot(ctx context.Context, name, secret string) (Principal, int64, error) {
	r, err := s.store.GetRobot(ctx, name)
	if errors.Is(err, ErrNotFound) {
		return Principal{}, 0, fmt.Errorf("%w: unknown robot", ErrBadCredentials)
	}
	if err != nil {
		return Principal{}, 0, wrapStore("robot "+name, err)
	}
	sum := sha256.Sum256([]byte(secret))
	if subtle.ConstantTimeCompare(sum[:], r.SecretHash) != 1 {
		return Principal{}, 0, fmt.Errorf("%w: wrong robot secret", ErrBadCredentials)
	}
	if err := s.robotUsable(r); err != nil {
		return Principal{}, 0, err
	}
	return Principal{Name: r.Name, Kind: "robot"}, r.TokenGen, nil
}

// firstGeneration is a new account's token generation: random, not 0, so
// that an account deleted and made again under the same name does not
// accept the tokens its predecessor was given (a counter would restart).
func firstGeneration() (int64, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return 0, fmt.Errorf("auth: token generation: %w", err)
	}
	// 52 bits: exact in any JSON reader of the token's "gen" claim, and
	// room for every later bump.
	return int64(binary.BigEndian.Uint64(b[:]) >> 12), nil
}

func (s *Service) robotUsable(r Robot) error {
	if r.Disabled {
		return fmt.Errorf("%w: robot disabled", ErrBadCredentials)
	}
	if !r.Expires.IsZero() && !s.now().Before(r.Expires) {
		return fmt.Errorf("%w: robot expired %s", ErrBadCredentials, r.Expires.Format(time.RFC3339))
	}
	return nil
}

// DefaultRobotLifetime is how long a robot lives when its creator names
// no lifetime, through the CLI and the REST API alike.
const DefaultRobotLifetime = 90 * 24 * time.Hour

// ParseRobotLifetime reads a robot's lifetime as users write it: "90d",
// "12h", a Go duration, or "never" (returned as 0). "" is the default.
func ParseRobotLifetime(s string) (time.Duration, error) {
	switch s {
	case "":
		return DefaultRobotLifetime, nil
	case "never":
		return 0, nil
	}
	d, err := span.Parse(s)
	if err != nil {
		return 0, inputErrorf("lifetime %v (or never)", err)
	}
	return d, nil
}
