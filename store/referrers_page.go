package store

import (
	"context"
	"encoding/json"
	"fmt"
)

// ReferrerRow is one referrer with its annotations as stored: the JSON
// object, undecoded, so that a page can be written without building maps.
type ReferrerRow struct {
	Digest, MediaType, ArtifactType string
	Size                            int64
	Annotations                     json.RawMessage // nil when it has none
}

// EachReferrer calls fn for the manifests in repo whose subject is
// subject, in digest order after `after` (exclusive; "" for the first),
// one row at a time as the database yields them, until fn returns false
// or an error. artifactType, when not empty, keeps only that type.
func (s *Store) EachReferrer(ctx context.Context, repo, subject, artifactType, after string, fn func(ReferrerRow) (bool, error)) error {
	q := `SELECT f.digest, f.media_type, f.size, f.artifact_type, f.annotations FROM referrers f
		JOIN repositories r ON r.id = f.repo_id WHERE r.name = ? AND f.subject = ? AND f.digest > ?`
	args := []any{repo, subject, after}
	if artifactType != "" {
		q += " AND f.artifact_type = ?"
		args = append(args, artifactType)
	}
	rows, err := s.QueryContext(ctx, q+" ORDER BY f.digest", args...)
	if err != nil {
		return fmt.Errorf("store: referrers of %s: %w", subject, err)
	}
	defer rows.Close()
	for rows.Next() {
		var r ReferrerRow
		var ann []byte
		if err := rows.Scan(&r.Digest, &r.MediaType, &r.Size, &r.ArtifactType, &ann); err != nil {
			return fmt.Errorf("store: referrers of %s: %w", subject, err)
		}
		if len(ann) > 0 {
			r.Annotations = ann
		}
		more, err := fn(r)
		if err != nil || !more {
			return err
		}
	}
	return rows.Err()
}
