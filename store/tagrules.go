package store

import (
	"context"
	"fmt"
	"time"
)

// ImmutableTagRule says that in Namespace, tags matching Pattern (a glob in
// path.Match syntax; "*" for every tag) never move and are never deleted.
type ImmutableTagRule struct {
	Namespace string
	Pattern   string
	Created   time.Time
}

// AddImmutableTagRule stores a rule; adding one that exists is ErrConflict.
func (s *Store) AddImmutableTagRule(ctx context.Context, r ImmutableTagRule) error {
	_, err := s.ExecContext(ctx, "INSERT INTO immutable_tag_rules (namespace, pattern, created_at) VALUES (?, ?, ?)",
		r.Namespace, r.Pattern, Now())
	if IsConflict(err) {
		return fmt.Errorf("immutable tag rule %s %q: %w", r.Namespace, r.Pattern, ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("store: add immutable tag rule: %w", err)
	}
	return nil
}

// DeleteImmutableTagRule removes a rule, or answers ErrNotFound.
func (s *Store) DeleteImmutableTagRule(ctx context.Context, namespace, pattern string) error {
	res, err := s.ExecContext(ctx, "DELETE FROM immutable_tag_rules WHERE namespace = ? AND pattern = ?", namespace, pattern)
	if err != nil {
		return fmt.Errorf("store: delete immutable tag rule: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("immutable tag rule %s %q: %w", namespace, pattern, ErrNotFound)
	}
	return nil
}

// ImmutableTagRules lists the rules of namespace, or of every namespace
// when namespace is "", by namespace and pattern.
func (s *Store) ImmutableTagRules(ctx context.Context, namespace string) ([]ImmutableTagRule, error) {
	q, args := "SELECT namespace, pattern, created_at FROM immutable_tag_rules", []any{}
	if namespace != "" {
		q += " WHERE namespace = ?"
		args = append(args, namespace)
	}
	rows, err := s.QueryContext(ctx, q+" ORDER BY namespace, pattern", args...)
	if err != nil {
		return nil, fmt.Errorf("store: immutable tag rules: %w", err)
	}
	defer rows.Close()
	out := []ImmutableTagRule{}
	for rows.Next() {
		var r ImmutableTagRule
		var at int64
		if err := rows.Scan(&r.Namespace, &r.Pattern, &at); err != nil {
			return nil, fmt.Errorf("store: immutable tag rules: %w", err)
		}
		r.Created = Time(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

// TagDigest returns the digest a tag points at, or ErrNotFound.
func (s *Store) TagDigest(ctx context.Context, repo, tag string) (string, error) {
	var d string
	err := s.QueryRowContext(ctx, `SELECT t.digest FROM tags t JOIN repositories r ON r.id = t.repo_id
		WHERE r.name = ? AND t.name = ?`, repo, tag).Scan(&d)
	if err != nil {
		return "", NotFound(err, "tag "+tag+" in "+repo)
	}
	return d, nil
}

// RetentionRule keeps, in Scope (a namespace "team" or a repository
// "team/app"), the newest KeepLast tags and the tags pushed or pulled in
// the last KeepDays days; a tag either half keeps stays. Zero turns a half
// off; at least one is set.
type RetentionRule struct {
	Scope    string
	KeepLast int
	KeepDays int
	Created  time.Time
}

// PutRetentionRule creates or replaces the rule for r.Scope.
func (s *Store) PutRetentionRule(ctx context.Context, r RetentionRule) error {
	_, err := s.ExecContext(ctx, `INSERT INTO retention_rules (scope, keep_last, keep_days, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (scope) DO UPDATE SET keep_last = excluded.keep_last, keep_days = excluded.keep_days`,
		r.Scope, r.KeepLast, r.KeepDays, Now())
	if err != nil {
		return fmt.Errorf("store: put retention rule %s: %w", r.Scope, err)
	}
	return nil
}

// DeleteRetentionRule removes the rule for scope, or answers ErrNotFound.
func (s *Store) DeleteRetentionRule(ctx context.Context, scope string) error {
	res, err := s.ExecContext(ctx, "DELETE FROM retention_rules WHERE scope = ?", scope)
	if err != nil {
		return fmt.Errorf("store: delete retention rule: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("retention rule %s: %w", scope, ErrNotFound)
	}
	return nil
}

// RetentionRules lists every retention rule by scope.
func (s *Store) RetentionRules(ctx context.Context) ([]RetentionRule, error) {
	rows, err := s.QueryContext(ctx, "SELECT scope, keep_last, keep_days, created_at FROM retention_rules ORDER BY scope")
	if err != nil {
		return nil, fmt.Errorf("store: retention rules: %w", err)
	}
	defer rows.Close()
	out := []RetentionRule{}
	for rows.Next() {
		var r RetentionRule
		var at int64
		if err := rows.Scan(&r.Scope, &r.KeepLast, &r.KeepDays, &at); err != nil {
			return nil, fmt.Errorf("store: retention rules: %w", err)
		}
		r.Created = Time(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

// TagUse is one tag with when it last moved and when its manifest was last
// pulled, for retention.
type TagUse struct {
	Tag        string
	Digest     string
	Updated    time.Time
	LastPulled time.Time
}

// TagUses lists repo's tags newest first (by when the tag last moved, then
// by name).
func (s *Store) TagUses(ctx context.Context, repo string) ([]TagUse, error) {
	rows, err := s.QueryContext(ctx, `SELECT t.name, t.digest, t.updated_at, m.last_pulled_at FROM tags t
		JOIN repositories r ON r.id = t.repo_id
		JOIN manifests m ON m.repo_id = t.repo_id AND m.digest = t.digest
		WHERE r.name = ? ORDER BY t.updated_at DESC, t.name`, repo)
	if err != nil {
		return nil, fmt.Errorf("store: tags of %s: %w", repo, err)
	}
	defer rows.Close()
	out := []TagUse{}
	for rows.Next() {
		var u TagUse
		var upd, pulled int64
		if err := rows.Scan(&u.Tag, &u.Digest, &upd, &pulled); err != nil {
			return nil, fmt.Errorf("store: tags of %s: %w", repo, err)
		}
		u.Updated, u.LastPulled = Time(upd), Time(pulled)
		out = append(out, u)
	}
	return out, rows.Err()
}
