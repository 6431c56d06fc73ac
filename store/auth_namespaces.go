package store

import (
	"context"
	"database/sql"

	"github.com/drydock/drydock/auth"
)

// CreateNamespace adds a namespace; a taken name is auth.ErrExists.
func (s *Store) CreateNamespace(ctx context.Context, ns auth.Namespace) error {
	_, err := s.ExecContext(ctx, "INSERT INTO auth_namespaces (name, public, created_at) VALUES (?, ?, ?)",
		ns.Name, ns.Public, ns.Created.UnixNano())
	if err != nil {
		return authErr(err, "create namespace "+ns.Name)
	}
	return nil
}

// GetNamespace returns a namespace or auth.ErrNotFound.
func (s *Store) GetNamespace(ctx context.Context, name string) (auth.Namespace, error) {
	var n auth.Namespace
	var created int64
	err := s.QueryRowContext(ctx, "SELECT name, public, created_at FROM auth_namespaces WHERE name = ?", name).Scan(&n.Name, &n.Public, &created)
	if err != nil {
		return auth.Namespace{}, authErr(err, "namespace "+name)
	}
	n.Created = Time(created)
	return n, nil
}

// ListNamespaces returns every namespace by name.
func (s *Store) ListNamespaces(ctx context.Context) ([]auth.Namespace, error) {
	rows, err := s.QueryContext(ctx, "SELECT name, public, created_at FROM auth_namespaces ORDER BY name")
	if err != nil {
		return nil, authErr(err, "list namespaces")
	}
	defer rows.Close()
	var out []auth.Namespace
	for rows.Next() {
		var n auth.Namespace
		var created int64
		if err := rows.Scan(&n.Name, &n.Public, &created); err != nil {
			return nil, authErr(err, "list namespaces")
		}
		n.Created = Time(created)
		out = append(out, n)
	}
	return out, rows.Err()
}

// UpdateNamespace rewrites a namespace's settings.
func (s *Store) UpdateNamespace(ctx context.Context, ns auth.Namespace) error {
	res, err := s.ExecContext(ctx, "UPDATE auth_namespaces SET public = ? WHERE name = ?", ns.Public, ns.Name)
	return oneRow(res, err, "update namespace "+ns.Name)
}

// DeleteNamespace removes a namespace; its members and robots go with it.
func (s *Store) DeleteNamespace(ctx context.Context, name string) error {
	res, err := s.ExecContext(ctx, "DELETE FROM auth_namespaces WHERE name = ?", name)
	return oneRow(res, err, "delete namespace "+name)
}

// PutMember adds a member or changes their role. The user and the
// namespace must exist (auth.ErrNotFound otherwise).
func (s *Store) PutMember(ctx context.Context, m auth.Member) error {
	// Checked first so that the caller learns which one is missing, which
	// a foreign-key violation would not say.
	var got string
	if err := s.QueryRowContext(ctx, "SELECT name FROM auth_namespaces WHERE name = ?", m.Namespace).Scan(&got); err != nil {
		return authErr(err, "namespace "+m.Namespace)
	}
	if err := s.QueryRowContext(ctx, "SELECT name FROM auth_users WHERE name = ?", m.User).Scan(&got); err != nil {
		return authErr(err, "user "+m.User)
	}
	_, err := s.ExecContext(ctx, `INSERT INTO auth_members (namespace, username, role) VALUES (?, ?, ?)
		ON CONFLICT (namespace, username) DO UPDATE SET role = excluded.role`, m.Namespace, m.User, m.Role.String())
	if err != nil {
		return authErr(err, "put member "+m.User+" of "+m.Namespace)
	}
	return nil
}

// GetMember returns user's membership of ns or auth.ErrNotFound.
func (s *Store) GetMember(ctx context.Context, ns, user string) (auth.Member, error) {
	ms, err := s.members(ctx, "SELECT namespace, username, role FROM auth_members WHERE namespace = ? AND username = ?", ns, user)
	if err != nil {
		return auth.Member{}, err
	}
	if len(ms) == 0 {
		return auth.Member{}, authErr(sql.ErrNoRows, "member "+user+" of "+ns)
	}
	return ms[0], nil
}

// ListMembers lists ns's members by user name.
func (s *Store) ListMembers(ctx context.Context, ns string) ([]auth.Member, error) {
	return s.members(ctx, "SELECT namespace, username, role FROM auth_members WHERE namespace = ? ORDER BY username", ns)
}

// ListMemberships lists the namespaces user belongs to.
func (s *Store) ListMemberships(ctx context.Context, user string) ([]auth.Member, error) {
	return s.members(ctx, "SELECT namespace, username, role FROM auth_members WHERE username = ? ORDER BY namespace", user)
}

// DeleteMember removes user from ns.
func (s *Store) DeleteMember(ctx context.Context, ns, user string) error {
	res, err := s.ExecContext(ctx, "DELETE FROM auth_members WHERE namespace = ? AND username = ?", ns, user)
	return oneRow(res, err, "member "+user+" of "+ns)
}

func (s *Store) members(ctx context.Context, q string, args ...any) ([]auth.Member, error) {
	rows, err := s.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, authErr(err, "members")
	}
	defer rows.Close()
	var out []auth.Member
	for rows.Next() {
		var m auth.Member
		var role string
		if err := rows.Scan(&m.Namespace, &m.User, &role); err != nil {
			return nil, authErr(err, "members")
		}
		if m.Role, err = auth.ParseRole(role); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
