package enforce

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/match"
	"github.com/drydock/drydock/registry"
	"github.com/drydock/drydock/scan"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/verdict"
)

// StoredResults reads scan results from the registry's store: the
// scanner's verdicts and SBOMs (package verdict), and each image's full
// findings, which the scanner does not keep (only the blocking ones), in
// enforcement's own table. Findings not stored yet are matched once from
// the stored SBOM against the current database, never by reading the
// image again.
type StoredResults struct {
	st  *store.Store
	vs  *verdict.Store
	db  func() Database
	now func() time.Time
}

var _ RematchStore = (*StoredResults)(nil)

// NewStoredResults reads results from st. db returns the current
// vulnerability database, or nil when there is none: findings not stored
// yet are then taken from the verdict's blocking findings.
func NewStoredResults(st *store.Store, db func() Database) *StoredResults {
	if db == nil {
		db = func() Database { return nil }
	}
	return &StoredResults{st: st, vs: verdict.New(st), db: db, now: time.Now}
}

// Result returns the result stored for dgst under repo's namespace.
func (s *StoredResults) Result(ctx context.Context, repo string, dgst digest.Digest) (*ScanResult, error) {
	ns, _ := auth.NamespaceOf(repo)
	v, err := s.st.GetVerdict(ctx, ns, dgst.String())
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	switch v.Status {
	case store.VerdictPending:
		return &ScanResult{State: StatePending}, nil
	case store.VerdictError:
		return &ScanResult{State: StateFailed, Error: v.Error}, nil
	}
	pass := v.Status == store.VerdictPass
	out := &ScanResult{State: StateScanned, Pass: &pass, Version: v.UpdatedAt.UTC().Format(time.RFC3339Nano)}
	inv, _, err := s.vs.SBOM(ctx, dgst.String())
	if errors.Is(err, store.ErrNotFound) {
		// An index: the scanner judged its platform manifests one by one.
		out.Children, err = s.children(ctx, repo, dgst)
		return out, err
	}
	if err != nil {
		return nil, err
	}
	out.Inventory = inv
	var ver string
	if out.Findings, ver, err = s.findings(ctx, dgst, inv, v); err != nil {
		return nil, err
	}
	out.Version += " " + ver
	return out, nil
}

// children lists the platform images an index names.
func (s *StoredResults) children(ctx context.Context, repo string, dgst digest.Digest) ([]digest.Digest, error) {
	idx, err := registry.StoredIndex(ctx, s.st, repo, dgst.String())
	if err != nil {
		return nil, fmt.Errorf("enforce: %s has a verdict but neither an SBOM nor platform manifests: %w", dgst, err)
	}
	var out []digest.Digest
	for _, m := range idx.Manifests {
		if isImage(string(m.MediaType), imageConfigOf(string(m.MediaType))) {
			out = append(out, digest.Digest(m.Digest.String()))
		}
	}
	return out, nil
}

// imageConfigOf is the config type an image manifest of mediaType carries,
// so isImage can tell images from attestation manifests in an index.
func imageConfigOf(mediaType string) string {
	switch mediaType {
	case "application/vnd.oci.image.manifest.v1+json":
		return "application/vnd.oci.image.config.v1+json"
	case "application/vnd.docker.distribution.manifest.v2+json":
		return "application/vnd.docker.container.image.v1+json"
	}
	return ""
}

// findings returns dgst's full findings: stored ones unless the scan is
// newer, else matched from inv and stored.
func (s *StoredResults) findings(ctx context.Context, dgst digest.Digest, inv *inventory.Inventory, v *store.Verdict) ([]match.Finding, string, error) {
	sf, err := s.st.GetFindings(ctx, dgst.String())
	if err == nil && !sf.Updated.Before(v.ScannedAt) {
		var fs []match.Finding
		if err := ungzipJSON(sf.Findings, &fs); err != nil {
			return nil, "", fmt.Errorf("enforce: stored findings of %s: %w", dgst, err)
		}
		return fs, sf.Updated.UTC().Format(time.RFC3339Nano), nil
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, "", err
	}
	db := s.db()
	if db == nil {
		return blockingFindings(v), "blocking", nil
	}
	fs, err := match.Match(ctx, inv, db)
	if err != nil {
		return nil, "", err
	}
	now := s.now().UTC()
	if err := s.putFindings(ctx, dgst, fs, db.Built(), now); err != nil {
		return nil, "", err
	}
	return fs, now.Format(time.RFC3339Nano), nil
}

func (s *StoredResults) putFindings(ctx context.Context, dgst digest.Digest, fs []match.Finding, built, now time.Time) error {
	body, err := gzipJSON(fs)
	if err != nil {
		return err
	}
	return s.st.PutFindings(ctx, store.StoredFindings{Digest: dgst.String(), Findings: body, DBBuilt: built, Updated: now})
}

// blockingFindings are the verdict's blocking findings as findings, for
// when no database is at hand: exceptions can still be judged on them.
func blockingFindings(v *store.Verdict) []match.Finding {
	out := make([]match.Finding, 0, len(v.Blocking))
	for _, b := range v.Blocking {
		sev, _ := match.ParseSeverity(b.Severity)
		out = append(out, match.Finding{ID: b.ID, IDs: []string{b.ID}, Installed: b.Version, Fixed: b.Fixed, Severity: sev,
			Package: inventory.Package{Name: b.Package, Version: b.Version}})
	}
	return out
}

// Scanned lists every digest with a stored SBOM.
func (s *StoredResults) Scanned(ctx context.Context) ([]digest.Digest, error) {
	var out []digest.Digest
	after := ""
	for {
		page, err := s.vs.SBOMDigests(ctx, after, 1000)
		if err != nil {
			return nil, err
		}
		for _, d := range page {
			out = append(out, digest.Digest(d))
		}
		if len(page) < 1000 {
			return out, nil
		}
		after = page[len(page)-1]
	}
}

// Rematched stores r's findings and the verdict they give under r's
// namespace, as the scanner would have written it.
func (s *StoredResults) Rematched(ctx context.Context, r Rematch) error {
	now := s.now().UTC()
	if err := s.putFindings(ctx, r.Digest, r.Findings, r.Built, now); err != nil {
		return err
	}
	res := &scan.Result{Inventory: r.Inventory, Findings: r.Findings, Verdict: r.Verdict, Database: scan.Database{Built: r.Built, Checked: r.Checked}}
	_, err := s.vs.Put(ctx, verdict.FromResult(r.Namespace, r.Digest.String(), res, now))
	return err
}

// maxFindingsJSON bounds decoded findings: thousands of findings are a few
// megabytes.
const maxFindingsJSON = 256 << 20

// gzipWriters are reused: a new writer allocates the compressor's tables,
// which costs more than compressing a few kilobytes of findings.
var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed)
	return zw
}}

func gzipJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(zw)
	zw.Reset(&buf)
	if err := json.NewEncoder(zw).Encode(v); err != nil {
		return nil, fmt.Errorf("enforce: encode findings: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("enforce: encode findings: %w", err)
	}
	return buf.Bytes(), nil
}

func ungzipJSON(b []byte, v any) error {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return err
	}
	return json.NewDecoder(io.LimitReader(zr, maxFindingsJSON)).Decode(v)
}

// EncodeFindings is the stored form of findings (store.StoredFindings),
// shared by every writer of the findings table.
func EncodeFindings(fs []match.Finding) ([]byte, error) { return gzipJSON(fs) }

// DecodeFindings reads what EncodeFindings wrote.
func DecodeFindings(b []byte) ([]match.Finding, error) {
	var fs []match.Finding
	if err := ungzipJSON(b, &fs); err != nil {
		return nil, fmt.Errorf("enforce: stored findings: %w", err)
	}
	return fs, nil
}
