package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// RepositorySummary is one repository as the REST API lists it.
type RepositorySummary struct {
	Name      string
	Artifacts int64 // manifests held
	Tags      int64
	// PushedAt and PulledAt are the latest push and pull of any of its
	// manifests; PulledAt is zero when none was ever pulled.
	PushedAt, PulledAt time.Time
}

// RepositorySummaries lists the repositories whose names start with prefix
// and that hold at least one manifest, in name order after `after`
// (exclusive), at most n; n <= 0 means no limit.
func (s *Store) RepositorySummaries(ctx context.Context, prefix, after string, n int) ([]RepositorySummary, error) {
	// substr, not LIKE: '_' is a wildcard to LIKE and a legal name character.
	q := `SELECT r.name, COUNT(*), MAX(m.pushed_at), MAX(m.last_pulled_at),
			(SELECT COUNT(*) FROM tags t WHERE t.repo_id = r.id)
		FROM repositories r JOIN manifests m ON m.repo_id = r.id
		WHERE r.name > ? AND substr(r.name, 1, ?) = ?
		GROUP BY r.id, r.name ORDER BY r.name`
	args := []any{after, len(prefix), prefix}
	if n > 0 {
		q += " LIMIT ?"
		args = append(args, n)
	}
	rows, err := s.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: repository summaries: %w", err)
	}
	defer rows.Close()
	out := []RepositorySummary{}
	for rows.Next() {
		var r RepositorySummary
		var pushed, pulled int64
		if err := rows.Scan(&r.Name, &r.Artifacts, &pushed, &pulled, &r.Tags); err != nil {
			return nil, fmt.Errorf("store: repository summaries: %w", err)
		}
		r.PushedAt, r.PulledAt = Time(pushed), Time(pulled)
		out = append(out, r)
	}
	return out, rows.Err()
}

// Artifact is one manifest of a repository with its tags, as the REST API
// shows it (without the content).
type Artifact struct {
	Digest, MediaType    string
	ArtifactType         string
	ConfigMediaType      string
	Subject              string // digest of the manifest this one refers to, or ""
	Size                 int64
	Tags                 []string // in byte order; empty, never nil
	PushedAt, LastPulled time.Time
}

// ArtifactCursor marks where a page of Artifacts ended: the last
// artifact's push time and digest. The zero cursor is the first page.
type ArtifactCursor struct {
	PushedAt time.Time
	Digest   string
}

const artifactColumns = `m.digest, m.media_type, m.artifact_type, m.config_media_type, m.subject, m.size, m.pushed_at, m.last_pulled_at`

// Artifacts lists repo's manifests newest push first, ties broken by
// digest, so that pages never skip or repeat one; after is the previous
// page's last artifact, n the page size (n <= 0: no limit). An unknown
// repository is ErrNotFound.
func (s *Store) Artifacts(ctx context.Context, repo string, after ArtifactCursor, n int) ([]Artifact, error) {
	id, err := s.RepositoryID(ctx, repo)
	if err != nil {
		return nil, err
	}
	q := `SELECT ` + artifactColumns + ` FROM manifests m WHERE m.repo_id = ?`
	args := []any{id}
	if after.Digest != "" {
		at := after.PushedAt.UnixNano()
		q += ` AND (m.pushed_at < ? OR (m.pushed_at = ? AND m.digest > ?))`
		args = append(args, at, at, after.Digest)
	}
	q += ` ORDER BY m.pushed_at DESC, m.digest`
	if n > 0 {
		q += " LIMIT ?"
		args = append(args, n)
	}
	rows, err := s.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: artifacts of %s: %w", repo, err)
	}
	out := []Artifact{}
	for rows.Next() {
		a, err := scanArtifact(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: artifacts of %s: %w", repo, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return nil, fmt.Errorf("store: artifacts of %s: %w", repo, err)
	}
	rows.Close()
	if err := s.attachTags(ctx, id, out); err != nil {
		return nil, fmt.Errorf("store: tags of %s: %w", repo, err)
	}
	return out, nil
}

// GetArtifact returns one manifest of repo by digest with its tags, or
// ErrNotFound.
func (s *Store) GetArtifact(ctx context.Context, repo, digest string) (Artifact, error) {
	id, err := s.RepositoryID(ctx, repo)
	if err != nil {
		return Artifact{}, err
	}
	row := s.QueryRowContext(ctx, `SELECT `+artifactColumns+` FROM manifests m WHERE m.repo_id = ? AND m.digest = ?`, id, digest)
	a, err := scanArtifact(row)
	if err != nil {
		return Artifact{}, NotFound(err, "manifest "+digest+" in "+repo)
	}
	list := []Artifact{a}
	if err := s.attachTags(ctx, id, list); err != nil {
		return Artifact{}, fmt.Errorf("store: tags of %s: %w", digest, err)
	}
	return list[0], nil
}

func scanArtifact(row interface{ Scan(...any) error }) (Artifact, error) {
	var a Artifact
	var pushed, pulled int64
	err := row.Scan(&a.Digest, &a.MediaType, &a.ArtifactType, &a.ConfigMediaType, &a.Subject, &a.Size, &pushed, &pulled)
	a.PushedAt, a.LastPulled, a.Tags = Time(pushed), Time(pulled), []string{}
	return a, err
}

// attachTags fills in the tags of arts, all manifests of repository id, in
// one query.
func (s *Store) attachTags(ctx context.Context, id int64, arts []Artifact) error {
	if len(arts) == 0 {
		return nil
	}
	at := make(map[string]int, len(arts))
	args := []any{id}
	for i, a := range arts {
		at[a.Digest] = i
		args = append(args, a.Digest)
	}
	marks := strings.TrimSuffix(strings.Repeat("?,", len(arts)), ",")
	rows, err := s.QueryContext(ctx, `SELECT digest, name FROM tags WHERE repo_id = ? AND digest IN (`+marks+`) ORDER BY name`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var d, name string
		if err := rows.Scan(&d, &name); err != nil {
			return err
		}
		if i, ok := at[d]; ok {
			arts[i].Tags = append(arts[i].Tags, name)
		}
	}
	return rows.Err()
}
