package auth

import (
	"context"
	"errors"
	"slices"
	"strings"
)

// allActions are the repository actions a token can carry, in order.
var allActions = []string{ActionPull, ActionPush, ActionDelete}

// allowed returns the repository actions p may do on repo now, and when
// that is not all of them, a reason for the audit log. It looks at the
// store every time so that a removed member or a disabled robot loses
// access at once, not when their token expires.
func (s *Service) allowed(ctx context.Context, p Principal, repo string) ([]string, string, error) {
	if p.Admin {
		return allActions, "", nil
	}
	ns, ok := NamespaceOf(repo)
	if !ok {
		return nil, "repository " + repo + " has no namespace; only system administrators may use it", nil
	}
	n, err := s.store.GetNamespace(ctx, ns)
	if errors.Is(err, ErrNotFound) {
		return nil, "namespace " + ns + " does not exist", nil
	}
	if err != nil {
		return nil, "", wrapStore("namespace "+ns, err)
	}
	role, err := s.memberRole(ctx, p, ns)
	if err != nil {
		return nil, "", err
	}
	acts := role.Actions()
	if n.Public && !slices.Contains(acts, ActionPull) {
		acts = []string{ActionPull}
	}
	switch {
	case len(acts) == len(allActions):
		return acts, "", nil
	case role != RoleNone:
		return acts, "role " + role.String() + " in namespace " + ns, nil
	case p.Kind == "robot":
		return acts, "robot is not bound to namespace " + ns, nil
	case n.Public:
		return acts, "namespace " + ns + " is public for pull only", nil
	case p.Kind == "anonymous" || p.Name == "":
		return acts, "namespace " + ns + " is not public", nil
	}
	return acts, "not a member of namespace " + ns, nil
}

// shownReason is the part of an allowed() reason a client may read: the
// caller's own role, or that a namespace is public (anyone can see that).
// Anything that would tell an outsider whether a namespace exists is "".
func shownReason(reason string) string {
	if strings.HasPrefix(reason, "role ") || strings.HasSuffix(reason, " is public for pull only") {
		return reason
	}
	return ""
}

// intersect keeps the asked actions that are allowed, in allowed's order,
// without duplicates. "*" asks for everything.
func intersect(asked, allowed []string) []string {
	var out []string
	for _, a := range allowed {
		if slices.Contains(asked, a) || slices.Contains(asked, "*") {
			out = append(out, a)
		}
	}
	return out
}

// Visible says whether p may pull repo, which is what listing it in
// _catalog needs. Errors count as "no": the catalog then omits the entry.
func (s *Service) Visible(ctx context.Context, p Principal, repo string) bool {
	acts, _, err := s.allowed(ctx, p, repo)
	if err != nil {
		s.log.WarnContext(ctx, "catalog visibility check failed", "repo", repo, "err", err)
		return false
	}
	return slices.Contains(acts, ActionPull)
}
