package store

import (
	"context"
	"fmt"
)

// EnsureRepository returns the id of the named repository, creating it on
// first use (a push or an upload creates repositories implicitly).
func (s *Store) EnsureRepository(ctx context.Context, name string) (int64, error) {
	return ensureRepository(ctx, s, name)
}

func ensureRepository(ctx context.Context, q Querier, name string) (int64, error) {
	if name == "" {
		return 0, fmt.Errorf("store: repository name is empty")
	}
	var id int64
	err := q.QueryRowContext(ctx, "SELECT id FROM repositories WHERE name = ?", name).Scan(&id)
	if err == nil {
		return id, nil
	}
	if _, err := q.ExecContext(ctx, "INSERT INTO repositories (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING", name, Now()); err != nil {
		return 0, fmt.Errorf("store: create repository %s: %w", name, err)
	}
	if err := q.QueryRowContext(ctx, "SELECT id FROM repositories WHERE name = ?", name).Scan(&id); err != nil {
		return 0, fmt.Errorf("store: repository %s: %w", name, err)
	}
	return id, nil
}

// RepositoryID returns the id of an existing repository or ErrNotFound.
func (s *Store) RepositoryID(ctx context.Context, name string) (int64, error) {
	var id int64
	err := s.QueryRowContext(ctx, "SELECT id FROM repositories WHERE name = ?", name).Scan(&id)
	if err != nil {
		return 0, NotFound(err, "repository "+name)
	}
	return id, nil
}

// Repositories lists repository names in byte order after last (exclusive),
// at most n of them; n <= 0 means no limit. Only repositories holding at
// least one manifest are listed: an abandoned upload does not make one.
func (s *Store) Repositories(ctx context.Context, last string, n int) ([]string, error) {
	q := `SELECT r.name FROM repositories r
		WHERE r.name > ? AND EXISTS (SELECT 1 FROM manifests m WHERE m.repo_id = r.id)
		ORDER BY r.name`
	args := []any{last}
	if n > 0 {
		q += " LIMIT ?"
		args = append(args, n)
	}
	rows, err := s.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list repositories: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, fmt.Errorf("store: list repositories: %w", err)
		}
		out = append(out, name)
	}
	return out, rows.Err()
}
