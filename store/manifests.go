package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrMissingReference means a manifest names a blob or child manifest the
// repository does not hold; the error text names the digest.
var ErrMissingReference = errors.New("store: manifest references unknown content")

// Manifest is one manifest as pushed, with the facts the registry indexes.
type Manifest struct {
	Repo            string
	Digest          string
	MediaType       string
	Content         []byte
	Subject         string            // digest named by the subject field, or ""
	ArtifactType    string            // artifactType, or the config media type for artifacts
	ConfigMediaType string            // config.mediaType of an image manifest
	Annotations     map[string]string // kept for the referrers index
	// Blobs are the config and layer digests; they must be in the repository.
	Blobs []string
	// Children are manifests an index lists that must already be in the
	// repository. Callers leave out those a sparse index may lack.
	Children     []string
	PushedAt     time.Time
	LastPulledAt time.Time
}

// PutManifest stores m and points each of tags at it — all in one
// transaction, after checking every referenced blob and child manifest is
// present in the repository (ErrMissingReference otherwise). Storing the
// same digest again only moves the tags.
func (s *Store) PutManifest(ctx context.Context, m *Manifest, tags ...string) error {
	return s.PutManifestKeeping(ctx, m, nil, tags...)
}

// TagHeldError refuses to move a tag that must keep its digest.
type TagHeldError struct {
	Tag     string
	Current string // the digest the tag keeps
}

func (e *TagHeldError) Error() string {
	return fmt.Sprintf("store: tag %s is held at %s", e.Tag, e.Current)
}

// PutManifestKeeping is PutManifest where a tag for which held(tag) is
// true may be created but not moved to another digest: the transaction is
// undone with a *TagHeldError. The check and the write are one transaction,
// so two pushes racing for a new held tag cannot both win. held may be nil.
func (s *Store) PutManifestKeeping(ctx context.Context, m *Manifest, held func(tag string) bool, tags ...string) error {
	return s.InTx(ctx, func(tx *Tx) error {
		id, err := ensureRepository(ctx, tx, m.Repo)
		if err != nil {
			return err
		}
		now := Now()
		for _, d := range m.Blobs {
			// Touching the link both checks it is there and makes a gc
			// deleting it meanwhile wait for this push, then leave it.
			res, err := tx.ExecContext(ctx, "UPDATE repository_blobs SET created_at = ? WHERE repo_id = ? AND digest = ?", now, id, d)
			if err != nil {
				return fmt.Errorf("store: blob %s: %w", d, err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return fmt.Errorf("blob %s: %w", d, ErrMissingReference)
			}
		}
		for _, d := range m.Children {
			if err := exists(ctx, tx, "SELECT 1 FROM manifests WHERE repo_id = ? AND digest = ?", id, d); err != nil {
				return fmt.Errorf("manifest %s: %w", d, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO manifests
			(repo_id, digest, media_type, size, content, subject, artifact_type, config_media_type, pushed_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (repo_id, digest) DO NOTHING`,
			id, m.Digest, m.MediaType, int64(len(m.Content)), m.Content, m.Subject, m.ArtifactType, m.ConfigMediaType, now); err != nil {
			return fmt.Errorf("store: put manifest %s: %w", m.Digest, err)
		}
		for _, d := range m.Blobs {
			if _, err := tx.ExecContext(ctx, "INSERT INTO manifest_blobs (repo_id, digest, blob_digest) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", id, m.Digest, d); err != nil {
				return fmt.Errorf("store: manifest %s blob %s: %w", m.Digest, d, err)
			}
		}
		if m.Subject != "" {
			ann := ""
			if len(m.Annotations) > 0 {
				b, err := json.Marshal(m.Annotations)
				if err != nil {
					return fmt.Errorf("store: annotations of %s: %w", m.Digest, err)
				}
				ann = string(b)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO referrers (repo_id, subject, digest, media_type, size, artifact_type, annotations)
				VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
				id, m.Subject, m.Digest, m.MediaType, int64(len(m.Content)), m.ArtifactType, ann); err != nil {
				return fmt.Errorf("store: referrer %s of %s: %w", m.Digest, m.Subject, err)
			}
		}
		for _, tag := range tags {
			if held != nil && held(tag) {
				if err := holdTag(ctx, tx, id, tag, m.Digest, now); err != nil {
					return err
				}
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO tags (repo_id, name, digest, updated_at) VALUES (?, ?, ?, ?)
				ON CONFLICT (repo_id, name) DO UPDATE SET digest = excluded.digest, updated_at = excluded.updated_at`,
				id, tag, m.Digest, now); err != nil {
				return fmt.Errorf("store: tag %s: %w", tag, err)
			}
		}
		return nil
	})
}

// holdTag creates tag at digest unless it exists; an existing tag must
// already point at digest.
func holdTag(ctx context.Context, tx *Tx, repoID int64, tag, digest string, now int64) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO tags (repo_id, name, digest, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (repo_id, name) DO NOTHING`, repoID, tag, digest, now); err != nil {
		return fmt.Errorf("store: tag %s: %w", tag, err)
	}
	var cur string
	if err := tx.QueryRowContext(ctx, "SELECT digest FROM tags WHERE repo_id = ? AND name = ?", repoID, tag).Scan(&cur); err != nil {
		return fmt.Errorf("store: tag %s: %w", tag, err)
	}
	if cur != digest {
		return &TagHeldError{Tag: tag, Current: cur}
	}
	return nil
}

func exists(ctx context.Context, q Querier, query string, args ...any) error {
	var one int
	err := q.QueryRowContext(ctx, query, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrMissingReference
	}
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

const manifestColumns = `m.digest, m.media_type, m.content, m.subject, m.artifact_type, m.config_media_type, m.pushed_at, m.last_pulled_at`

// GetManifest returns a manifest by digest (ref contains ':') or by tag,
// or ErrNotFound.
func (s *Store) GetManifest(ctx context.Context, repo, ref string) (*Manifest, error) {
	var row *sql.Row
	if strings.Contains(ref, ":") {
		row = s.QueryRowContext(ctx, `SELECT `+manifestColumns+` FROM manifests m
			JOIN repositories r ON r.id = m.repo_id WHERE r.name = ? AND m.digest = ?`, repo, ref)
	} else {
		row = s.QueryRowContext(ctx, `SELECT `+manifestColumns+` FROM tags t
			JOIN repositories r ON r.id = t.repo_id
			JOIN manifests m ON m.repo_id = t.repo_id AND m.digest = t.digest
			WHERE r.name = ? AND t.name = ?`, repo, ref)
	}
	m := &Manifest{Repo: repo}
	var pushed, pulled int64
	if err := row.Scan(&m.Digest, &m.MediaType, &m.Content, &m.Subject, &m.ArtifactType, &m.ConfigMediaType, &pushed, &pulled); err != nil {
		return nil, NotFound(err, "manifest "+ref+" in "+repo)
	}
	m.PushedAt, m.LastPulledAt = Time(pushed), Time(pulled)
	return m, nil
}

// MarkPulled records a pull of a manifest. Callers throttle it: it is a
// write, and pulls are many.
func (s *Store) MarkPulled(ctx context.Context, repo, digest string, at time.Time) error {
	_, err := s.ExecContext(ctx, `UPDATE manifests SET last_pulled_at = ?
		WHERE digest = ? AND repo_id = (SELECT id FROM repositories WHERE name = ?)`, at.UnixNano(), digest, repo)
	if err != nil {
		return fmt.Errorf("store: mark %s pulled: %w", digest, err)
	}
	return nil
}

// DeleteManifest removes a manifest by digest with its tags, blob
// references and referrer entry.
func (s *Store) DeleteManifest(ctx context.Context, repo, digest string) error {
	res, err := s.ExecContext(ctx, `DELETE FROM manifests
		WHERE digest = ? AND repo_id = (SELECT id FROM repositories WHERE name = ?)`, digest, repo)
	if err != nil {
		return fmt.Errorf("store: delete manifest %s: %w", digest, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("manifest %s in %s: %w", digest, repo, ErrNotFound)
	}
	return nil
}
