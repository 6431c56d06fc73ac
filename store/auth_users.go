package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/drydock/drydock/auth"
)

var _ auth.Store = (*Store)(nil)

// authErr maps database errors to the errors auth tests for, keeping the
// store's own sentinels in the chain as well.
func authErr(err error, what string) error {
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%s: %w (%w)", what, auth.ErrNotFound, ErrNotFound)
	case IsConflict(err):
		return fmt.Errorf("%s: %w (%w)", what, auth.ErrExists, ErrConflict)
	}
	return fmt.Errorf("store: %s: %w", what, err)
}

// oneRow turns "no row changed" into ErrNotFound.
func oneRow(res sql.Result, err error, what string) error {
	if err != nil {
		return authErr(err, what)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	if n == 0 {
		return authErr(sql.ErrNoRows, what)
	}
	return nil
}

const userCols = "name, password_hash, admin, disabled, token_gen, created_at"

func scanUser(sc interface{ Scan(...any) error }) (auth.User, error) {
	var u auth.User
	var created int64
	err := sc.Scan(&u.Name, &u.PasswordHash, &u.Admin, &u.Disabled, &u.TokenGen, &created)
	u.Created = Time(created)
	return u, err
}

// CreateUser adds a user; a taken name is auth.ErrExists.
func (s *Store) CreateUser(ctx context.Context, u auth.User) error {
	_, err := s.ExecContext(ctx, "INSERT INTO auth_users ("+userCols+") VALUES (?, ?, ?, ?, ?, ?)",
		u.Name, u.PasswordHash, u.Admin, u.Disabled, u.TokenGen, u.Created.UnixNano())
	if err != nil {
		return authErr(err, "create user "+u.Name)
	}
	return nil
}

// GetUser returns a user or auth.ErrNotFound.
func (s *Store) GetUser(ctx context.Context, name string) (auth.User, error) {
	u, err := scanUser(s.QueryRowContext(ctx, "SELECT "+userCols+" FROM auth_users WHERE name = ?", name))
	if err != nil {
		return auth.User{}, authErr(err, "user "+name)
	}
	return u, nil
}

// ListUsers returns every user by name.
func (s *Store) ListUsers(ctx context.Context) ([]auth.User, error) {
	rows, err := s.QueryContext(ctx, "SELECT "+userCols+" FROM auth_users ORDER BY name")
	if err != nil {
		return nil, authErr(err, "list users")
	}
	defer rows.Close()
	var out []auth.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, authErr(err, "list users")
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// UpdateUser rewrites a user's password hash, flags and token generation.
func (s *Store) UpdateUser(ctx context.Context, u auth.User) error {
	res, err := s.ExecContext(ctx, "UPDATE auth_users SET password_hash = ?, admin = ?, disabled = ?, token_gen = ? WHERE name = ?",
		u.PasswordHash, u.Admin, u.Disabled, u.TokenGen, u.Name)
	return oneRow(res, err, "update user "+u.Name)
}

// DeleteUser removes a user; their memberships go with them.
func (s *Store) DeleteUser(ctx context.Context, name string) error {
	res, err := s.ExecContext(ctx, "DELETE FROM auth_users WHERE name = ?", name)
	return oneRow(res, err, "delete user "+name)
}
