package store

import (
	"context"
	"encoding/json"
	"fmt"
)

// Tags lists a repository's tags in byte order after last (exclusive), at
// most n; n <= 0 means no limit. An unknown repository is ErrNotFound.
func (s *Store) Tags(ctx context.Context, repo, last string, n int) ([]string, error) {
	id, err := s.RepositoryID(ctx, repo)
	if err != nil {
		return nil, err
	}
	q := "SELECT name FROM tags WHERE repo_id = ? AND name > ? ORDER BY name"
	args := []any{id, last}
	if n > 0 {
		q += " LIMIT ?"
		args = append(args, n)
	}
	rows, err := s.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: tags of %s: %w", repo, err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, fmt.Errorf("store: tags of %s: %w", repo, err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// DeleteTag removes a tag, leaving its manifest in place.
func (s *Store) DeleteTag(ctx context.Context, repo, tag string) error {
	res, err := s.ExecContext(ctx, `DELETE FROM tags
		WHERE name = ? AND repo_id = (SELECT id FROM repositories WHERE name = ?)`, tag, repo)
	if err != nil {
		return fmt.Errorf("store: delete tag %s: %w", tag, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("tag %s in %s: %w", tag, repo, ErrNotFound)
	}
	return nil
}

// Referrer is one entry of the referrers index: a manifest whose subject
// is the digest asked about.
type Referrer struct {
	Digest       string
	MediaType    string
	Size         int64
	ArtifactType string
	Annotations  map[string]string
}

// Referrers lists the manifests in repo whose subject is subject, in digest
// order; artifactType, when not empty, keeps only those of that type.
func (s *Store) Referrers(ctx context.Context, repo, subject, artifactType string) ([]Referrer, error) {
	out := []Referrer{}
	err := s.EachReferrer(ctx, repo, subject, artifactType, "", func(row ReferrerRow) (bool, error) {
		r := Referrer{Digest: row.Digest, MediaType: row.MediaType, Size: row.Size, ArtifactType: row.ArtifactType}
		if row.Annotations != nil {
			if err := json.Unmarshal(row.Annotations, &r.Annotations); err != nil {
				return false, fmt.Errorf("store: annotations of referrer %s: %w", r.Digest, err)
			}
		}
		out = append(out, r)
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
