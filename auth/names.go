package auth

import (
	"regexp"
	"strings"
)

// Names follow the OCI distribution spec's path-component grammar so that a
// namespace is always a valid first element of a repository name. User names
// may not contain '$' or '+', which keeps them apart from robot names.
var (
	componentRE = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$`)
	userRE      = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)
)

// RobotPrefix starts every robot account's name: robot$<namespace>+<name>.
const RobotPrefix = "robot$"

const maxComponent = 64

// ValidateNamespace checks a namespace name ("team").
func ValidateNamespace(name string) error {
	if len(name) > maxComponent || !componentRE.MatchString(name) {
		return inputErrorf("invalid namespace name %q (lower-case letters, digits and . _ - separators, at most %d characters)", name, maxComponent)
	}
	return nil
}

// ValidateUserName checks a user name ("alice").
func ValidateUserName(name string) error {
	if !userRE.MatchString(name) {
		return inputErrorf("invalid user name %q (lower-case letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64 characters)", name)
	}
	return nil
}

// RobotName builds the full account name of robot short in namespace ns.
func RobotName(ns, short string) string { return RobotPrefix + ns + "+" + short }

// ParseRobotName splits "robot$team+ci" into its namespace and short name.
func ParseRobotName(full string) (ns, short string, err error) {
	rest, ok := strings.CutPrefix(full, RobotPrefix)
	if !ok {
		return "", "", inputErrorf("robot name %q does not start with %q", full, RobotPrefix)
	}
	ns, short, ok = strings.Cut(rest, "+")
	if !ok {
		return "", "", inputErrorf("robot name %q lacks the '+' between namespace and name", full)
	}
	if err := ValidateNamespace(ns); err != nil {
		return "", "", err
	}
	if len(short) > maxComponent || !componentRE.MatchString(short) {
		return "", "", inputErrorf("invalid robot name %q in %q", short, full)
	}
	return ns, short, nil
}

// IsRobot reports whether an account name is a robot's.
func IsRobot(name string) bool { return strings.HasPrefix(name, RobotPrefix) }

// NamespaceOf returns the namespace a repository belongs to: its first path
// element. A repository without a '/' belongs to no namespace ("", false)
// and only system administrators may touch it.
func NamespaceOf(repo string) (string, bool) {
	ns, _, ok := strings.Cut(repo, "/")
	if !ok || ns == "" {
		return "", false
	}
	return ns, true
}
