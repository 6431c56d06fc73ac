// Package auth decides who is calling and what they may do: users with
// bcrypt passwords, robot accounts, namespaces with roles, and the Docker
// registry token protocol (Basic challenge, /token, short-lived scoped JWTs).
//
// The registry calls it through the Authorizer interface; it never sees
// passwords or tokens itself.
package auth

import (
	"context"
	"net/http"
)

// Principal is an authenticated caller.
type Principal struct {
	// Name is the user or robot name ("alice", "robot$team+ci"); "" for anonymous.
	Name string
	// Kind is "user", "robot" or "anonymous" ("local" for a CLI verb run
	// on the server itself, see Local).
	Kind string
	// Admin is true for system administrators.
	Admin bool
}

// Actions a caller may ask for on a repository, as in the token spec's scopes.
const (
	ActionPull   = "pull"
	ActionPush   = "push"
	ActionDelete = "delete"
)

// Authorizer answers, for one HTTP request, who is calling and whether they
// may do the actions on the repository.
//
// An error that has a method Challenge() string means "authenticate first":
// the registry answers 401 with that value in WWW-Authenticate. An error that
// has a method Denied() bool returning true means "authenticated but not
// allowed": 403. Any other error is internal: 500.
type Authorizer interface {
	Authorize(r *http.Request, repo string, actions ...string) (Principal, error)
	// Visible says whether p may see repo at all (for _catalog): pull on it.
	Visible(ctx context.Context, p Principal, repo string) bool
}
