package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/drydock/drydock/auditlog"
)

// CreateNamespace makes a namespace; public ones let anyone pull. Only
// system administrators create namespaces.
func (s *Service) CreateNamespace(ctx context.Context, actor Principal, name string, public bool) error {
	if err := ValidateNamespace(name); err != nil {
		return err
	}
	if err := s.requireAdmin(ctx, actor, "namespace.create", name); err != nil {
		return err
	}
	if err := s.store.CreateNamespace(ctx, Namespace{Name: name, Public: public, Created: s.now().UTC()}); err != nil {
		if errors.Is(err, ErrExists) {
			return fmt.Errorf("auth: namespace %q: %w", name, ErrExists)
		}
		return wrapStore("create namespace", err)
	}
	s.record(ctx, auditlog.Event{Actor: actor.Name, Action: "namespace.create", Target: name, Outcome: auditlog.OutcomeAllowed, Reason: fmt.Sprintf("public=%t", public)})
	return nil
}

// SetNamespacePublic opens a namespace to anonymous pulls or closes it.
func (s *Service) SetNamespacePublic(ctx context.Context, actor Principal, name string, public bool) error {
	if err := s.requireNamespaceAdmin(ctx, actor, name, "namespace.update", name); err != nil {
		return err
	}
	n, err := s.store.GetNamespace(ctx, name)
	if err != nil {
		return wrapStore("namespace "+name, err)
	}
	n.Public = public
	if err := s.store.UpdateNamespace(ctx, n); err != nil {
		return wrapStore("update namespace", err)
	}
	s.record(ctx, auditlog.Event{Actor: actor.Name, Action: "namespace.update", Target: name, Outcome: auditlog.OutcomeAllowed, Reason: fmt.Sprintf("public=%t", public)})
	return nil
}

// DeleteNamespace removes a namespace with its members and robots (not its
// repositories' content, which the registry owns). System admins only.
func (s *Service) DeleteNamespace(ctx context.Context, actor Principal, name string) error {
	if err := s.requireAdmin(ctx, actor, "namespace.delete", name); err != nil {
		return err
	}
	if err := s.store.DeleteNamespace(ctx, name); err != nil {
		return wrapStore("delete namespace "+name, err)
	}
	s.record(ctx, auditlog.Event{Actor: actor.Name, Action: "namespace.delete", Target: name, Outcome: auditlog.OutcomeAllowed})
	return nil
}

// ListNamespaces returns the namespaces actor can see: all for system
// admins, otherwise the public ones and those actor belongs to.
func (s *Service) ListNamespaces(ctx context.Context, actor Principal) ([]Namespace, error) {
	all, err := s.store.ListNamespaces(ctx)
	if err != nil {
		return nil, wrapStore("list namespaces", err)
	}
	if actor.Admin {
		return all, nil
	}
	mine := map[string]bool{}
	switch actor.Kind {
	case "user":
		ms, err := s.store.ListMemberships(ctx, actor.Name)
		if err != nil {
			return nil, wrapStore("list memberships", err)
		}
		for _, m := range ms {
			mine[m.Namespace] = true
		}
	case "robot":
		if ns, _, err := ParseRobotName(actor.Name); err == nil {
			mine[ns] = true
		}
	}
	var out []Namespace
	for _, n := range all {
		if n.Public || mine[n.Name] {
			out = append(out, n)
		}
	}
	return out, nil
}

// PutMember adds user to namespace ns with role, or changes their role.
// Namespace admins and system admins may.
func (s *Service) PutMember(ctx context.Context, actor Principal, ns, user string, role Role) error {
	if role < RoleReader || role > RoleAdmin {
		return inputErrorf("member %s of %s needs a role", user, ns)
	}
	if err := s.requireNamespaceAdmin(ctx, actor, ns, "member.put", user); err != nil {
		return err
	}
	if _, err := s.store.GetUser(ctx, user); err != nil {
		return wrapStore("user "+user, err)
	}
	if err := s.store.PutMember(ctx, Member{Namespace: ns, User: user, Role: role}); err != nil {
		return wrapStore("put member", err)
	}
	s.record(ctx, auditlog.Event{Actor: actor.Name, Action: "member.put", Repo: ns, Target: user, Outcome: auditlog.OutcomeAllowed, Reason: "role " + role.String()})
	return nil
}

// RemoveMember takes user out of namespace ns.
func (s *Service) RemoveMember(ctx context.Context, actor Principal, ns, user string) error {
	if err := s.requireNamespaceAdmin(ctx, actor, ns, "member.remove", user); err != nil {
		return err
	}
	if err := s.store.DeleteMember(ctx, ns, user); err != nil {
		return wrapStore("remove member", err)
	}
	s.record(ctx, auditlog.Event{Actor: actor.Name, Action: "member.remove", Repo: ns, Target: user, Outcome: auditlog.OutcomeAllowed})
	return nil
}

// ListMembers lists a namespace's members; any member may look. An
// outsider is refused alike whether the namespace exists or not.
func (s *Service) ListMembers(ctx context.Context, actor Principal, ns string) ([]Member, error) {
	if !actor.Admin {
		m, err := s.memberRole(ctx, actor, ns)
		if err != nil {
			return nil, err
		}
		if m == RoleNone {
			s.record(ctx, auditlog.Event{Actor: actor.Name, Action: "member.list", Repo: ns, Outcome: auditlog.OutcomeDenied, Reason: "not a member"})
			return nil, fmt.Errorf("%w: only members see %s's members", ErrForbidden, ns)
		}
	}
	if _, err := s.store.GetNamespace(ctx, ns); err != nil {
		return nil, wrapStore("namespace "+ns, err)
	}
	ms, err := s.store.ListMembers(ctx, ns)
	if err != nil {
		return nil, wrapStore("list members", err)
	}
	return ms, nil
}

// memberRole is actor's role in ns from membership (users) or the robot's
// own role (robots bound to ns); RoleNone otherwise.
func (s *Service) memberRole(ctx context.Context, actor Principal, ns string) (Role, error) {
	switch actor.Kind {
	case "user":
		m, err := s.store.GetMember(ctx, ns, actor.Name)
		if errors.Is(err, ErrNotFound) {
			return RoleNone, nil
		}
		if err != nil {
			return RoleNone, wrapStore("member", err)
		}
		return m.Role, nil
	case "robot":
		r, err := s.store.GetRobot(ctx, actor.Name)
		if errors.Is(err, ErrNotFound) {
			return RoleNone, nil
		}
		if err != nil {
			return RoleNone, wrapStore("robot", err)
		}
		if r.Namespace != ns || s.robotUsable(r) != nil {
			return RoleNone, nil
		}
		return r.Role, nil
	}
	return RoleNone, nil
}

// requireNamespaceAdmin lets system admins and ns's admins through; the
// namespace must exist. Anyone else is refused alike whether it exists or
// not, so that the answer tells outsiders nothing.
func (s *Service) requireNamespaceAdmin(ctx context.Context, actor Principal, ns, action, target string) error {
	if actor.Admin {
		if _, err := s.store.GetNamespace(ctx, ns); err != nil {
			return wrapStore("namespace "+ns, err)
		}
		return nil
	}
	role, err := s.memberRole(ctx, actor, ns)
	if err != nil {
		return err
	}
	// Robots never administer, whatever their role: a leaked CI secret must
	// not be able to mint more secrets.
	if actor.Kind == "user" && role >= RoleAdmin {
		return nil
	}
	s.record(ctx, auditlog.Event{Actor: actor.Name, Action: action, Repo: ns, Target: target, Outcome: auditlog.OutcomeDenied, Reason: "not an admin of namespace " + ns})
	return fmt.Errorf("%w: %s needs an admin of namespace %s", ErrForbidden, action, ns)
}
