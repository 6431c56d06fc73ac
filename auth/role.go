package auth

import (
	"fmt"
	"slices"
)

// Role is a namespace member's (or robot's) level. Each role holds every
// right of the roles below it, so comparing them is enough to decide.
type Role int

// Roles, weakest first. The zero Role means "no role".
const (
	RoleNone       Role = iota
	RoleReader          // pull
	RoleWriter          // + push
	RoleMaintainer      // + delete and tag management
	RoleAdmin           // + members, robots and namespace settings
)

var roleNames = [...]string{"", "reader", "writer", "maintainer", "admin"}

// String returns the role's name as users type it ("writer").
func (r Role) String() string {
	if r < 0 || int(r) >= len(roleNames) {
		return fmt.Sprintf("Role(%d)", int(r))
	}
	return roleNames[r]
}

// ParseRole reads a role name; anything else is an InputError.
func ParseRole(s string) (Role, error) {
	for i, n := range roleNames {
		if i > 0 && n == s {
			return Role(i), nil
		}
	}
	return RoleNone, inputErrorf("unknown role %q (want reader, writer, maintainer or admin)", s)
}

// Actions returns the repository actions the role allows, in canonical order.
func (r Role) Actions() []string {
	switch {
	case r >= RoleMaintainer:
		return []string{ActionPull, ActionPush, ActionDelete}
	case r == RoleWriter:
		return []string{ActionPull, ActionPush}
	case r == RoleReader:
		return []string{ActionPull}
	}
	return nil
}

// Allows reports whether the role allows a repository action.
func (r Role) Allows(action string) bool { return slices.Contains(r.Actions(), action) }
