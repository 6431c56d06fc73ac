package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Upload is a blob upload session in progress.
type Upload struct {
	ID      string
	Repo    string
	Written int64 // bytes received so far: the next chunk starts here
	// HashState is the marshalled sha256 state after Written bytes, or nil.
	HashState []byte
	StartedAt time.Time
	UpdatedAt time.Time
}

// CreateUpload starts a session for repo, creating the repository if needed.
func (s *Store) CreateUpload(ctx context.Context, repo, id string) error {
	return s.CreateUploadFor(ctx, repo, id, "", 0)
}

// ErrLimit means an account already holds as many open upload sessions as
// it may.
var ErrLimit = errors.New("store: limit reached")

// CreateUploadFor starts a session for repo opened by owner, unless owner
// already holds maxOpen open sessions (ErrLimit); maxOpen <= 0 means no
// limit. Concurrent starts may pass the limit by the few that race.
func (s *Store) CreateUploadFor(ctx context.Context, repo, id, owner string, maxOpen int) error {
	return s.InTx(ctx, func(tx *Tx) error {
		if maxOpen > 0 {
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM uploads WHERE owner = ?", owner).Scan(&n); err != nil {
				return fmt.Errorf("store: count uploads of %s: %w", owner, err)
			}
			if n >= maxOpen {
				return fmt.Errorf("%s has %d open uploads: %w", owner, n, ErrLimit)
			}
		}
		rid, err := ensureRepository(ctx, tx, repo)
		if err != nil {
			return err
		}
		now := Now()
		if _, err := tx.ExecContext(ctx, "INSERT INTO uploads (id, repo_id, owner, written, started_at, updated_at) VALUES (?, ?, ?, 0, ?, ?)", id, rid, owner, now, now); err != nil {
			return fmt.Errorf("store: create upload %s: %w", id, err)
		}
		return nil
	})
}

// GetUpload returns a session of repo, or ErrNotFound (also when the id
// belongs to another repository).
func (s *Store) GetUpload(ctx context.Context, repo, id string) (*Upload, error) {
	u := &Upload{ID: id, Repo: repo}
	var started, updated int64
	err := s.QueryRowContext(ctx, `SELECT u.written, u.hash_state, u.started_at, u.updated_at FROM uploads u
		JOIN repositories r ON r.id = u.repo_id WHERE u.id = ? AND r.name = ?`, id, repo).
		Scan(&u.Written, &u.HashState, &started, &updated)
	if err != nil {
		return nil, NotFound(err, "upload "+id+" in "+repo)
	}
	u.StartedAt, u.UpdatedAt = Time(started), Time(updated)
	return u, nil
}

// AdvanceUpload moves a session from written bytes `from` to `to` with the
// hash state after them. It fails with ErrConflict if the session is no
// longer at `from` (another request wrote meanwhile) and ErrNotFound if it
// is gone.
func (s *Store) AdvanceUpload(ctx context.Context, id string, from, to int64, state []byte) error {
	res, err := s.ExecContext(ctx, "UPDATE uploads SET written = ?, hash_state = ?, updated_at = ? WHERE id = ? AND written = ?", to, state, Now(), id, from)
	if err != nil {
		return fmt.Errorf("store: advance upload %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	var one int
	if err := s.QueryRowContext(ctx, "SELECT 1 FROM uploads WHERE id = ?", id).Scan(&one); err != nil {
		return NotFound(err, "upload "+id)
	}
	return fmt.Errorf("upload %s is no longer at offset %d: %w", id, from, ErrConflict)
}

// OpenUploadBytes is how many bytes owner's open upload sessions hold.
func (s *Store) OpenUploadBytes(ctx context.Context, owner string) (int64, error) {
	var n int64
	if err := s.QueryRowContext(ctx, "SELECT COALESCE(SUM(written), 0) FROM uploads WHERE owner = ?", owner).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: upload bytes of %s: %w", owner, err)
	}
	return n, nil
}

// DeleteUpload ends a session (finished or cancelled).
func (s *Store) DeleteUpload(ctx context.Context, id string) error {
	res, err := s.ExecContext(ctx, "DELETE FROM uploads WHERE id = ?", id)
	if err != nil {
		return fmt.Errorf("store: delete upload %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("upload %s: %w", id, ErrNotFound)
	}
	return nil
}

// StaleUploads lists sessions untouched since before, for cleanup.
func (s *Store) StaleUploads(ctx context.Context, before time.Time) ([]Upload, error) {
	rows, err := s.QueryContext(ctx, `SELECT u.id, r.name, u.written, u.started_at, u.updated_at FROM uploads u
		JOIN repositories r ON r.id = u.repo_id WHERE u.updated_at < ? ORDER BY u.updated_at`, before.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("store: stale uploads: %w", err)
	}
	defer rows.Close()
	var out []Upload
	for rows.Next() {
		var u Upload
		var started, updated int64
		if err := rows.Scan(&u.ID, &u.Repo, &u.Written, &started, &updated); err != nil {
			return nil, fmt.Errorf("store: stale uploads: %w", err)
		}
		u.StartedAt, u.UpdatedAt = Time(started), Time(updated)
		out = append(out, u)
	}
	return out, rows.Err()
}
