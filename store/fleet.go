package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// FleetAudit is one continuous audit's totals: a point of the
// severity-over-time chart.
type FleetAudit struct {
	ID                int64
	Started, Finished time.Time
	// Images counts the distinct running digests.
	Images int
	Counts SeverityCounts
	// New counts the vulnerabilities new since the audit before.
	New int
	// DBBuilt is when the vulnerability database it matched was built.
	DBBuilt time.Time
}

// FleetImage is a digest an audit brought up to date, with the facts read
// once from its SBOM so later audits need not decode it again.
type FleetImage struct {
	// Digest is the running digest; SBOM the digest its SBOM and findings
	// are stored under (a platform image's when Digest is an index).
	Digest, SBOM string
	// Created is the image config's creation time; zero when it says none.
	Created  time.Time
	Packages int
}

// FleetFinding is one vulnerability affecting one running digest.
type FleetFinding struct {
	Digest, ID string
}

// FleetReportsKept is how many audits keep their report; older audits
// keep their totals only.
const FleetReportsKept = 10

// SaveFleetAudit stores one audit in one transaction: its row, its report
// (encoded by report once the row's ID is known), the images it brought up
// to date (replacing the previous audit's), and the change to the set of
// (digest, vulnerability) pairs: add and remove. It returns the new ID.
func (s *Store) SaveFleetAudit(ctx context.Context, a FleetAudit, report func(id int64) ([]byte, error), images []FleetImage, add, remove []FleetFinding) (int64, error) {
	var id int64
	err := s.InTx(ctx, func(tx *Tx) error {
		c := a.Counts
		err := tx.QueryRowContext(ctx, `INSERT INTO fleet_audits (started, finished, images, critical, high, medium, low, unknown, new_count, db_built, report)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			a.Started.UnixNano(), a.Finished.UnixNano(), a.Images, c.Critical, c.High, c.Medium, c.Low, c.Unknown, a.New,
			unixNano(a.DBBuilt), []byte{}).Scan(&id)
		if err != nil {
			return err
		}
		body, err := report(id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE fleet_audits SET report = ? WHERE id = ?", body, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE fleet_audits SET report = ? WHERE id < (SELECT MIN(id) FROM
			(SELECT id FROM fleet_audits ORDER BY id DESC LIMIT `+fmt.Sprint(FleetReportsKept)+`) AS kept) AND report <> ?`, []byte{}, []byte{}); err != nil {
			return err
		}
		if err := upsertFleetImages(ctx, tx, id, images); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM fleet_images WHERE audit_id <> ?", id); err != nil {
			return err
		}
		if err := deleteFleetFindings(ctx, tx, remove); err != nil {
			return err
		}
		return insertPairs(ctx, tx, "INSERT INTO fleet_findings (digest, id) VALUES ", len(add), func(i int) []any {
			return []any{add[i].Digest, add[i].ID}
		})
	})
	if err != nil {
		return 0, fmt.Errorf("store: save fleet audit: %w", err)
	}
	return id, nil
}

func upsertFleetImages(ctx context.Context, tx *Tx, id int64, images []FleetImage) error {
	const per = 200
	for i := 0; i < len(images); i += per {
		part := images[i:min(i+per, len(images))]
		args := make([]any, 0, 5*len(part))
		for _, im := range part {
			args = append(args, im.Digest, im.SBOM, unixNano(im.Created), im.Packages, id)
		}
		q := "INSERT INTO fleet_images (digest, sbom, created, packages, audit_id) VALUES (?, ?, ?, ?, ?)" +
			strings.Repeat(", (?, ?, ?, ?, ?)", len(part)-1) +
			" ON CONFLICT (digest) DO UPDATE SET sbom = excluded.sbom, created = excluded.created, packages = excluded.packages, audit_id = excluded.audit_id"
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
}

func deleteFleetFindings(ctx context.Context, tx *Tx, fs []FleetFinding) error {
	const per = 200
	for i := 0; i < len(fs); i += per {
		part := fs[i:min(i+per, len(fs))]
		args := make([]any, 0, 2*len(part))
		for _, f := range part {
			args = append(args, f.Digest, f.ID)
		}
		q := "DELETE FROM fleet_findings WHERE (digest = ? AND id = ?)" + strings.Repeat(" OR (digest = ? AND id = ?)", len(part)-1)
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
}

const fleetAuditCols = "id, started, finished, images, critical, high, medium, low, unknown, new_count, db_built"

func scanFleetAudit(sc interface{ Scan(...any) error }, extra ...any) (FleetAudit, error) {
	var a FleetAudit
	var started, finished, built int64
	c := &a.Counts
	dest := append([]any{&a.ID, &started, &finished, &a.Images, &c.Critical, &c.High, &c.Medium, &c.Low, &c.Unknown, &a.New, &built}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return FleetAudit{}, err
	}
	a.Started, a.Finished, a.DBBuilt = Time(started), Time(finished), Time(built)
	return a, nil
}

// LastFleetAudit returns the newest audit and its report, or ErrNotFound
// when no audit ran yet.
func (s *Store) LastFleetAudit(ctx context.Context) (FleetAudit, []byte, error) {
	var body []byte
	a, err := scanFleetAudit(s.QueryRowContext(ctx, "SELECT "+fleetAuditCols+", report FROM fleet_audits ORDER BY id DESC LIMIT 1"), &body)
	if err != nil {
		return FleetAudit{}, nil, NotFound(err, "fleet audit")
	}
	return a, body, nil
}

// FleetHistory returns the totals of the last n audits, oldest first.
func (s *Store) FleetHistory(ctx context.Context, n int) ([]FleetAudit, error) {
	rows, err := s.QueryContext(ctx, "SELECT "+fleetAuditCols+" FROM fleet_audits ORDER BY id DESC LIMIT ?", n)
	if err != nil {
		return nil, fmt.Errorf("store: fleet history: %w", err)
	}
	defer rows.Close()
	var out []FleetAudit
	for rows.Next() {
		a, err := scanFleetAudit(rows)
		if err != nil {
			return nil, fmt.Errorf("store: fleet history: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: fleet history: %w", err)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

// FleetImages returns the images the last audit brought up to date, by
// digest.
func (s *Store) FleetImages(ctx context.Context) (map[string]FleetImage, error) {
	rows, err := s.QueryContext(ctx, "SELECT digest, sbom, created, packages FROM fleet_images")
	if err != nil {
		return nil, fmt.Errorf("store: fleet images: %w", err)
	}
	defer rows.Close()
	out := map[string]FleetImage{}
	for rows.Next() {
		var im FleetImage
		var created int64
		if err := rows.Scan(&im.Digest, &im.SBOM, &created, &im.Packages); err != nil {
			return nil, fmt.Errorf("store: fleet images: %w", err)
		}
		im.Created = Time(created)
		out[im.Digest] = im
	}
	return out, rows.Err()
}

// FleetFindings returns the (digest, vulnerability) pairs of the last
// audit, sorted.
func (s *Store) FleetFindings(ctx context.Context) ([]FleetFinding, error) {
	rows, err := s.QueryContext(ctx, "SELECT digest, id FROM fleet_findings ORDER BY digest, id")
	if err != nil {
		return nil, fmt.Errorf("store: fleet findings: %w", err)
	}
	defer rows.Close()
	var out []FleetFinding
	for rows.Next() {
		var f FleetFinding
		if err := rows.Scan(&f.Digest, &f.ID); err != nil {
			return nil, fmt.Errorf("store: fleet findings: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}
