package auth

import (
	"context"
	"time"
)

// User is a person who logs in with a password.
type User struct {
	Name string
	// PasswordHash is the bcrypt hash; the password itself is never kept.
	PasswordHash []byte
	// Admin marks a system administrator: every right everywhere.
	Admin    bool
	Disabled bool
	// TokenGen is bumped to revoke every token issued so far; a token whose
	// generation differs from the account's is refused.
	TokenGen int64
	Created  time.Time
}

// Robot is a machine account bound to one namespace with one role.
type Robot struct {
	// Name is the full account name, "robot$team+ci".
	Name      string
	Namespace string
	Role      Role
	// SecretHash is the SHA-256 of the secret (see robots.go for why not bcrypt).
	SecretHash []byte
	// Expires is when the robot stops working; zero means never.
	Expires   time.Time
	Disabled  bool
	TokenGen  int64
	CreatedBy string
	Created   time.Time
}

// Namespace groups repositories "ns/…" under one set of members.
type Namespace struct {
	Name string
	// Public lets anyone, anonymous included, pull (and only pull).
	Public  bool
	Created time.Time
}

// Member gives a user a role in a namespace.
type Member struct {
	Namespace string
	User      string
	Role      Role
}

// Store keeps accounts, namespaces, memberships, the token signing key and
// revoked token ids: the four small interfaces below, which *store.Store
// satisfies together. Lookups of a missing row return an error wrapping
// ErrNotFound; a create that collides returns one wrapping ErrExists.
type Store interface {
	UserStore
	RobotStore
	NamespaceStore
	KeyStore
}

// UserStore keeps users.
type UserStore interface {
	CreateUser(ctx context.Context, u User) error
	GetUser(ctx context.Context, name string) (User, error)
	ListUsers(ctx context.Context) ([]User, error)
	// UpdateUser writes every field of an existing user but Name and Created.
	UpdateUser(ctx context.Context, u User) error
	// DeleteUser removes the user and their memberships.
	DeleteUser(ctx context.Context, name string) error
}

// RobotStore keeps robot accounts.
type RobotStore interface {
	CreateRobot(ctx context.Context, r Robot) error
	GetRobot(ctx context.Context, name string) (Robot, error)
	// ListRobots lists a namespace's robots, or every robot when ns is "".
	ListRobots(ctx context.Context, ns string) ([]Robot, error)
	UpdateRobot(ctx context.Context, r Robot) error
	DeleteRobot(ctx context.Context, name string) error
}

// NamespaceStore keeps namespaces and their members.
type NamespaceStore interface {
	CreateNamespace(ctx context.Context, ns Namespace) error
	GetNamespace(ctx context.Context, name string) (Namespace, error)
	ListNamespaces(ctx context.Context) ([]Namespace, error)
	UpdateNamespace(ctx context.Context, ns Namespace) error
	// DeleteNamespace removes the namespace with its members and robots.
	DeleteNamespace(ctx context.Context, name string) error

	// PutMember adds the member or changes their role.
	PutMember(ctx context.Context, m Member) error
	GetMember(ctx context.Context, ns, user string) (Member, error)
	ListMembers(ctx context.Context, ns string) ([]Member, error)
	// ListMemberships lists every namespace a user belongs to.
	ListMemberships(ctx context.Context, user string) ([]Member, error)
	DeleteMember(ctx context.Context, ns, user string) error
}

// KeyStore keeps the token signing key and the revoked token ids.
type KeyStore interface {
	// GetSigningKey returns the token signing key (PKCS#8 PEM) and its id.
	GetSigningKey(ctx context.Context) (kid string, pemKey []byte, err error)
	// AddSigningKey stores the key unless one exists already (then ErrExists),
	// so that replicas starting together agree on the first one written.
	AddSigningKey(ctx context.Context, kid string, pemKey []byte) error

	// RevokeToken records a token id as revoked until it would have expired.
	RevokeToken(ctx context.Context, jti string, expires time.Time) error
	TokenRevoked(ctx context.Context, jti string) (bool, error)
	// PruneRevokedTokens forgets revocations of tokens expired before t.
	PruneRevokedTokens(ctx context.Context, before time.Time) (int64, error)
}
