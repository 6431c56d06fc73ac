package auth

import (
	"strings"
)

// Scope is one resource a token request asks for, as in the token spec:
// "repository:team/app:pull,push" or "registry:catalog:*".
type Scope struct {
	Type    string   `json:"type"`
	Name    string   `json:"name"`
	Actions []string `json:"actions"`
}

// String renders the scope back to its wire form.
func (sc Scope) String() string {
	return sc.Type + ":" + sc.Name + ":" + strings.Join(sc.Actions, ",")
}

// MaxScopes bounds the scopes of one token request: each costs store
// lookups, and a real client asks for two or three (a mount's source and
// target, perhaps the catalog).
const MaxScopes = 64

// ParseScopes reads every scope in the values of the "scope" parameters.
// Clients either repeat the parameter or separate scopes with spaces.
func ParseScopes(values []string) ([]Scope, error) {
	var out []Scope
	for _, v := range values {
		for _, f := range strings.Fields(v) {
			if len(out) == MaxScopes {
				return nil, inputErrorf("more than %d scopes in one token request", MaxScopes)
			}
			sc, err := parseScope(f)
			if err != nil {
				return nil, err
			}
			out = append(out, sc)
		}
	}
	return out, nil
}

// maxScope bounds one scope's text: a repository name is at most 255
// bytes, and a scope adds its type and actions.
const maxScope = 512

func parseScope(s string) (Scope, error) {
	if !printable(s, maxScope) {
		return Scope{}, inputErrorf("scope %.80q is not text of at most %d bytes without control characters", s, maxScope)
	}
	// The name sits between the first and the last colon; a resource
	// class such as "repository(plugin)" is accepted and dropped.
	typ, rest, ok := strings.Cut(s, ":")
	i := strings.LastIndex(rest, ":")
	if !ok || i < 0 {
		return Scope{}, inputErrorf("scope %q is not TYPE:NAME:ACTIONS", s)
	}
	name, acts := rest[:i], rest[i+1:]
	if j := strings.IndexByte(typ, '('); j >= 0 && strings.HasSuffix(typ, ")") {
		typ = typ[:j]
	}
	if typ == "" || name == "" {
		return Scope{}, inputErrorf("scope %q has an empty type or name", s)
	}
	sc := Scope{Type: typ, Name: name}
	for _, a := range strings.Split(acts, ",") {
		if a = strings.TrimSpace(a); a != "" {
			sc.Actions = append(sc.Actions, a)
		}
	}
	return sc, nil
}
