package store

import (
	"context"

	"github.com/drydock/drydock/auth"
)

const robotCols = "name, namespace, role, secret_hash, expires_at, disabled, token_gen, created_by, created_at"

func scanRobot(sc interface{ Scan(...any) error }) (auth.Robot, error) {
	var r auth.Robot
	var role string
	var expires, created int64
	if err := sc.Scan(&r.Name, &r.Namespace, &role, &r.SecretHash, &expires, &r.Disabled, &r.TokenGen, &r.CreatedBy, &created); err != nil {
		return auth.Robot{}, err
	}
	var err error
	if r.Role, err = auth.ParseRole(role); err != nil {
		return auth.Robot{}, err
	}
	r.Expires, r.Created = Time(expires), Time(created)
	return r, nil
}

// timeOrZero stores the zero time as 0 ("never") rather than a negative
// number of nanoseconds.
func timeOrZero(t interface {
	IsZero() bool
	UnixNano() int64
}) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// CreateRobot adds a robot to an existing namespace.
func (s *Store) CreateRobot(ctx context.Context, r auth.Robot) error {
	_, err := s.ExecContext(ctx, "INSERT INTO auth_robots ("+robotCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		r.Name, r.Namespace, r.Role.String(), r.SecretHash, timeOrZero(r.Expires), r.Disabled, r.TokenGen, r.CreatedBy, r.Created.UnixNano())
	if err != nil {
		return authErr(err, "create robot "+r.Name)
	}
	return nil
}

// GetRobot returns a robot or auth.ErrNotFound.
func (s *Store) GetRobot(ctx context.Context, name string) (auth.Robot, error) {
	r, err := scanRobot(s.QueryRowContext(ctx, "SELECT "+robotCols+" FROM auth_robots WHERE name = ?", name))
	if err != nil {
		return auth.Robot{}, authErr(err, "robot "+name)
	}
	return r, nil
}

// ListRobots lists the robots of ns, or all robots when ns is "".
func (s *Store) ListRobots(ctx context.Context, ns string) ([]auth.Robot, error) {
	q, args := "SELECT "+robotCols+" FROM auth_robots ORDER BY name", []any{}
	if ns != "" {
		q, args = "SELECT "+robotCols+" FROM auth_robots WHERE namespace = ? ORDER BY name", []any{ns}
	}
	rows, err := s.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, authErr(err, "list robots")
	}
	defer rows.Close()
	var out []auth.Robot
	for rows.Next() {
		r, err := scanRobot(rows)
		if err != nil {
			return nil, authErr(err, "list robots")
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// UpdateRobot rewrites a robot's role, secret, expiry, flags and generation.
func (s *Store) UpdateRobot(ctx context.Context, r auth.Robot) error {
	res, err := s.ExecContext(ctx, "UPDATE auth_robots SET role = ?, secret_hash = ?, expires_at = ?, disabled = ?, token_gen = ? WHERE name = ?",
		r.Role.String(), r.SecretHash, timeOrZero(r.Expires), r.Disabled, r.TokenGen, r.Name)
	return oneRow(res, err, "update robot "+r.Name)
}

// DeleteRobot removes a robot.
func (s *Store) DeleteRobot(ctx context.Context, name string) error {
	res, err := s.ExecContext(ctx, "DELETE FROM auth_robots WHERE name = ?", name)
	return oneRow(res, err, "delete robot "+name)
}
