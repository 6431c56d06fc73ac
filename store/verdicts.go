package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// VerdictStatus is where an artifact stands with its policy.
type VerdictStatus string

// The verdict statuses.
const (
	// VerdictPending: pushed, not yet scanned.
	VerdictPending VerdictStatus = "pending"
	// VerdictPass: scanned and the policy passed it.
	VerdictPass VerdictStatus = "pass"
	// VerdictFail: scanned and the policy failed it.
	VerdictFail VerdictStatus = "fail"
	// VerdictError: the scan could not finish (Verdict.Error says why).
	VerdictError VerdictStatus = "error"
)

// Valid reports whether s is one of the statuses above.
func (s VerdictStatus) Valid() bool {
	switch s {
	case VerdictPending, VerdictPass, VerdictFail, VerdictError:
		return true
	}
	return false
}

// Verdict is the stored decision on one manifest digest under one
// namespace's policy.
type Verdict struct {
	// Namespace whose policy judged; "" for the default policy.
	Namespace string
	// Digest is the manifest digest judged (an index's own digest for the
	// verdict drawn from all its platform manifests).
	Digest string
	Status VerdictStatus
	// Reasons are the policy's failed rules; Blocking the findings that fail
	// the severity rule, with the versions that fix them.
	Reasons  []VerdictReason
	Blocking []BlockingFinding
	// FailOn is the severity threshold applied ("" when none).
	FailOn string
	// PolicyName and PolicyDigest name the policy that decided.
	PolicyName, PolicyDigest string
	// DBVersion and DBChecked name the vulnerability data matched against.
	DBVersion string
	DBChecked time.Time
	// Counts are the counting findings per severity.
	Counts SeverityCounts
	// Error says why the scan failed (VerdictError).
	Error string
	// ScannedAt is when the image was judged; UpdatedAt when the row was
	// last written (set by PutVerdict).
	ScannedAt, UpdatedAt time.Time
}

// VerdictReason is one failed rule.
type VerdictReason struct {
	Rule    string   `json:"rule"`
	Message string   `json:"message"`
	IDs     []string `json:"ids,omitempty"`
}

// BlockingFinding is one finding that fails the verdict.
type BlockingFinding struct {
	ID       string   `json:"id"`
	Package  string   `json:"package"`
	Version  string   `json:"version"`
	Severity string   `json:"severity"`
	Fixed    []string `json:"fixed,omitempty"`
	// Platform names the platform manifest it was found in, for an index.
	Platform string `json:"platform,omitempty"`
}

// SeverityCounts counts findings per severity.
type SeverityCounts struct {
	Critical int `json:"critical"`
	High     int `json:"high"`
	Medium   int `json:"medium"`
	Low      int `json:"low"`
	Unknown  int `json:"unknown"`
}

// Total is the number of findings.
func (c SeverityCounts) Total() int { return c.Critical + c.High + c.Medium + c.Low + c.Unknown }

const verdictColumns = `namespace, digest, status, reasons, blocking, fail_on, policy_name, policy_digest,
	db_version, db_checked, critical, high, medium, low, unknown, error, scanned_at, updated_at`

// PutVerdict writes v (replacing the verdict on the same namespace and
// digest) and returns the status it replaced, "" when there was none, so a
// caller can announce a change from pass to fail and back.
func (s *Store) PutVerdict(ctx context.Context, v *Verdict) (VerdictStatus, error) {
	if v.Digest == "" || !v.Status.Valid() {
		return "", fmt.Errorf("store: verdict for %q with status %q: want a digest and pass, fail, error or pending", v.Digest, v.Status)
	}
	reasons, err := json.Marshal(nonNil(v.Reasons))
	if err != nil {
		return "", fmt.Errorf("store: verdict reasons: %w", err)
	}
	blocking, err := json.Marshal(nonNil(v.Blocking))
	if err != nil {
		return "", fmt.Errorf("store: verdict blocking findings: %w", err)
	}
	var prev VerdictStatus
	err = s.InTx(ctx, func(tx *Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT status FROM artifact_verdicts WHERE namespace = ? AND digest = ?`,
			v.Namespace, v.Digest).Scan(&prev)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO artifact_verdicts (`+verdictColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (namespace, digest) DO UPDATE SET status = excluded.status, reasons = excluded.reasons,
				blocking = excluded.blocking, fail_on = excluded.fail_on, policy_name = excluded.policy_name,
				policy_digest = excluded.policy_digest, db_version = excluded.db_version, db_checked = excluded.db_checked,
				critical = excluded.critical, high = excluded.high, medium = excluded.medium, low = excluded.low,
				unknown = excluded.unknown, error = excluded.error, scanned_at = excluded.scanned_at,
				updated_at = excluded.updated_at`,
			v.Namespace, v.Digest, string(v.Status), string(reasons), string(blocking), v.FailOn, v.PolicyName, v.PolicyDigest,
			v.DBVersion, unixNano(v.DBChecked), v.Counts.Critical, v.Counts.High, v.Counts.Medium, v.Counts.Low, v.Counts.Unknown,
			v.Error, unixNano(v.ScannedAt), Now())
		return err
	})
	if err != nil {
		return "", fmt.Errorf("store: put verdict %s: %w", v.Digest, err)
	}
	return prev, nil
}

// MarkPending records that digest awaits a scan under namespace's policy,
// unless a verdict is already stored for it (a digest pushed again keeps
// its verdict until the new scan replaces it). It reports whether it wrote.
func (s *Store) MarkPending(ctx context.Context, namespace, digest string) (bool, error) {
	res, err := s.ExecContext(ctx, `INSERT INTO artifact_verdicts (namespace, digest, status, updated_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (namespace, digest) DO NOTHING`, namespace, digest, string(VerdictPending), Now())
	if err != nil {
		return false, fmt.Errorf("store: mark %s pending: %w", digest, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// GetVerdict returns the verdict on digest under namespace's policy, or
// ErrNotFound.
func (s *Store) GetVerdict(ctx context.Context, namespace, digest string) (*Verdict, error) {
	rows, err := s.QueryContext(ctx, `SELECT `+verdictColumns+` FROM artifact_verdicts WHERE namespace = ? AND digest = ?`, namespace, digest)
	if err != nil {
		return nil, fmt.Errorf("store: verdict %s: %w", digest, err)
	}
	vs, err := scanVerdicts(rows)
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return nil, fmt.Errorf("verdict on %s in namespace %q: %w", digest, namespace, ErrNotFound)
	}
	return vs[0], nil
}

// VerdictsOf returns every stored verdict on digest, by namespace.
func (s *Store) VerdictsOf(ctx context.Context, digest string) ([]*Verdict, error) {
	rows, err := s.QueryContext(ctx, `SELECT `+verdictColumns+` FROM artifact_verdicts WHERE digest = ? ORDER BY namespace`, digest)
	if err != nil {
		return nil, fmt.Errorf("store: verdicts of %s: %w", digest, err)
	}
	return scanVerdicts(rows)
}

// Verdicts lists verdicts in namespace, by digest after the digest after,
// at most n (n <= 0: all); status "" lists every status.
func (s *Store) Verdicts(ctx context.Context, namespace string, status VerdictStatus, after string, n int) ([]*Verdict, error) {
	q := `SELECT ` + verdictColumns + ` FROM artifact_verdicts WHERE namespace = ? AND digest > ?`
	args := []any{namespace, after}
	if status != "" {
		q += ` AND status = ?`
		args = append(args, string(status))
	}
	q += ` ORDER BY digest`
	if n > 0 {
		q += fmt.Sprintf(` LIMIT %d`, n)
	}
	rows, err := s.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list verdicts: %w", err)
	}
	return scanVerdicts(rows)
}

func scanVerdicts(rows *sql.Rows) ([]*Verdict, error) {
	defer rows.Close()
	var out []*Verdict
	for rows.Next() {
		v := &Verdict{}
		var status, reasons, blocking string
		var checked, scanned, updated int64
		if err := rows.Scan(&v.Namespace, &v.Digest, &status, &reasons, &blocking, &v.FailOn, &v.PolicyName, &v.PolicyDigest,
			&v.DBVersion, &checked, &v.Counts.Critical, &v.Counts.High, &v.Counts.Medium, &v.Counts.Low, &v.Counts.Unknown,
			&v.Error, &scanned, &updated); err != nil {
			return nil, fmt.Errorf("store: read verdict: %w", err)
		}
		v.Status = VerdictStatus(status)
		if err := json.Unmarshal([]byte(reasons), &v.Reasons); err != nil {
			return nil, fmt.Errorf("store: verdict %s reasons: %w", v.Digest, err)
		}
		if err := json.Unmarshal([]byte(blocking), &v.Blocking); err != nil {
			return nil, fmt.Errorf("store: verdict %s blocking findings: %w", v.Digest, err)
		}
		v.DBChecked, v.ScannedAt, v.UpdatedAt = Time(checked), Time(scanned), Time(updated)
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read verdicts: %w", err)
	}
	return out, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}
