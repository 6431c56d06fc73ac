// Package verdict keeps what drydock decided about each artifact, keyed by
// manifest digest: the verdict under a namespace's policy (pass, fail,
// error or pending, with reasons, blocking findings, threshold, policy and
// database version) and the SBOM it was drawn from, stored so that a
// database update can match it again without reading or cataloging the
// image. It turns scan results into store rows and back; the rows live in
// package store.
package verdict

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/match"
	"github.com/drydock/drydock/report"
	"github.com/drydock/drydock/scan"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/vulndb"
)

// Store reads and writes verdicts and SBOMs.
type Store struct{ st *store.Store }

// New returns a Store over st.
func New(st *store.Store) *Store { return &Store{st: st} }

// Get returns the verdict on digest under namespace's policy ("" for the
// default policy), or an error wrapping store.ErrNotFound.
func (s *Store) Get(ctx context.Context, namespace, digest string) (*store.Verdict, error) {
	return s.st.GetVerdict(ctx, namespace, digest)
}

// Put writes v and returns the status it replaced ("" when none).
func (s *Store) Put(ctx context.Context, v *store.Verdict) (store.VerdictStatus, error) {
	return s.st.PutVerdict(ctx, v)
}

// PutSBOM stores inv as the SBOM of digest, indexed by the package names a
// database update would touch (each package's name and its distro source
// package, in vulndb's lookup keys).
func (s *Store) PutSBOM(ctx context.Context, digest string, inv *inventory.Inventory) error {
	body, err := EncodeInventory(inv)
	if err != nil {
		return err
	}
	return s.st.PutSBOM(ctx, &store.SBOM{Digest: digest, Inventory: body, Packages: PackageNames(inv)})
}

// SBOM returns the inventory stored for digest, or an error wrapping
// store.ErrNotFound.
func (s *Store) SBOM(ctx context.Context, digest string) (*inventory.Inventory, time.Time, error) {
	sb, err := s.st.GetSBOM(ctx, digest)
	if err != nil {
		return nil, time.Time{}, err
	}
	inv, err := DecodeInventory(sb.Inventory)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("verdict: SBOM of %s: %w", digest, err)
	}
	return inv, sb.CreatedAt, nil
}

// HasSBOM reports whether an SBOM is stored for digest, without reading it.
func (s *Store) HasSBOM(ctx context.Context, digest string) (bool, error) {
	return s.st.HasSBOM(ctx, digest)
}

// SBOMDigests pages through the digests with a stored SBOM (after "" for
// the first page).
func (s *Store) SBOMDigests(ctx context.Context, after string, n int) ([]string, error) {
	return s.st.SBOMDigests(ctx, after, n)
}

// Affected lists the digests whose SBOM names any package of names, given
// as (ecosystem, name) as OSV records write them.
func (s *Store) Affected(ctx context.Context, names []store.PackageName) ([]string, error) {
	keys := make([]store.PackageName, len(names))
	for i, n := range names {
		keys[i] = store.PackageName{Ecosystem: vulndb.EcosystemKey(n.Ecosystem), Name: vulndb.NameKey(n.Ecosystem, n.Name)}
	}
	return s.st.SBOMsNaming(ctx, keys)
}

// PackageNames lists the lookup keys of every package in inv, each once.
func PackageNames(inv *inventory.Inventory) []store.PackageName {
	var out []store.PackageName
	seen := map[store.PackageName]bool{}
	add := func(eco, name string) {
		if eco == "" || name == "" {
			return
		}
		k := store.PackageName{Ecosystem: vulndb.EcosystemKey(eco), Name: vulndb.NameKey(eco, name)}
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	for _, p := range inv.Packages {
		add(p.Ecosystem, p.Name)
		add(p.Ecosystem, p.SourceName)
	}
	return out
}

// maxInventory bounds a decoded inventory: SBOMs of real images are a few
// megabytes of JSON.
const maxInventory = 256 << 20

// EncodeInventory writes inv as gzip-compressed JSON.
func EncodeInventory(inv *inventory.Inventory) ([]byte, error) {
	if inv == nil {
		return nil, errors.New("verdict: no inventory to store")
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if err := json.NewEncoder(zw).Encode(inv); err != nil {
		return nil, fmt.Errorf("verdict: encode inventory: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("verdict: encode inventory: %w", err)
	}
	return buf.Bytes(), nil
}

// DecodeInventory reads what EncodeInventory wrote.
func DecodeInventory(b []byte) (*inventory.Inventory, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("verdict: decode inventory: %w", err)
	}
	var inv inventory.Inventory
	if err := json.NewDecoder(io.LimitReader(zr, maxInventory)).Decode(&inv); err != nil {
		return nil, fmt.Errorf("verdict: decode inventory: %w", err)
	}
	return &inv, nil
}

// FromResult is the stored verdict for a scan result: digest judged under
// namespace's policy, scanned at.
func FromResult(namespace, digest string, res *scan.Result, at time.Time) *store.Verdict {
	pv := res.Verdict
	v := &store.Verdict{
		Namespace: namespace, Digest: digest, Status: store.VerdictPass,
		PolicyName: pv.Policy.Name, PolicyDigest: pv.Policy.Digest,
		DBVersion: res.Database.Version(), DBChecked: res.Database.Checked,
		Counts: Count(pv.Findings), ScannedAt: at.UTC(),
	}
	if pv.FailOn != match.SeverityUnknown {
		v.FailOn = pv.FailOn.String()
	}
	if !pv.Pass {
		v.Status = store.VerdictFail
	}
	for _, r := range pv.Reasons {
		v.Reasons = append(v.Reasons, store.VerdictReason{Rule: r.Rule, Message: r.Message, IDs: r.IDs})
	}
	seen := map[string]bool{}
	for _, f := range pv.Findings {
		key := f.ID + "\x00" + f.Package.Name + "\x00" + f.Package.Version
		if !pv.Blocks(f.ID) || seen[key] {
			continue
		}
		seen[key] = true
		v.Blocking = append(v.Blocking, store.BlockingFinding{
			ID: f.ID, Package: f.Package.Name, Version: f.Package.Version,
			Severity: f.Severity.String(), Fixed: f.Fixed, Platform: res.Inventory.Platform,
		})
	}
	sortBlocking(v.Blocking)
	return v
}

// Count counts findings per severity.
func Count(fs []match.Finding) store.SeverityCounts {
	c := report.Count(fs)
	return store.SeverityCounts{Critical: c.Critical, High: c.High, Medium: c.Medium, Low: c.Low, Unknown: c.Unknown}
}

// Errored is the verdict of a scan that could not finish.
func Errored(namespace, digest string, err error, at time.Time) *store.Verdict {
	return &store.Verdict{Namespace: namespace, Digest: digest, Status: store.VerdictError, Error: err.Error(), ScannedAt: at.UTC()}
}

// Combine draws an index's verdict from those of its platform manifests:
// it fails if any fails, errors if any errored (and none failed), and
// otherwise passes; reasons and blocking findings are gathered, counts
// summed, and the oldest database and scan time kept.
func Combine(namespace, digest string, parts []*store.Verdict) *store.Verdict {
	v := &store.Verdict{Namespace: namespace, Digest: digest, Status: store.VerdictPass}
	if len(parts) == 0 {
		v.Status = store.VerdictError
		v.Error = "index lists no platform image to scan"
		return v
	}
	var errs []string
	for _, p := range parts {
		switch {
		case p.Status == store.VerdictFail:
			v.Status = store.VerdictFail
		case p.Status == store.VerdictError && v.Status != store.VerdictFail:
			v.Status = store.VerdictError
		case p.Status == store.VerdictPending && v.Status == store.VerdictPass:
			v.Status = store.VerdictPending
		}
		if p.Error != "" {
			errs = append(errs, p.Digest+": "+p.Error)
		}
		for _, r := range p.Reasons {
			if !slices.ContainsFunc(v.Reasons, func(x store.VerdictReason) bool {
				return x.Rule == r.Rule && x.Message == r.Message && slices.Equal(x.IDs, r.IDs)
			}) {
				v.Reasons = append(v.Reasons, r)
			}
		}
		v.Blocking = append(v.Blocking, p.Blocking...)
		v.Counts.Critical += p.Counts.Critical
		v.Counts.High += p.Counts.High
		v.Counts.Medium += p.Counts.Medium
		v.Counts.Low += p.Counts.Low
		v.Counts.Unknown += p.Counts.Unknown
		v.FailOn, v.PolicyName, v.PolicyDigest = p.FailOn, p.PolicyName, p.PolicyDigest
		if v.DBVersion == "" || (p.DBVersion != "" && p.DBVersion < v.DBVersion) {
			v.DBVersion, v.DBChecked = p.DBVersion, p.DBChecked
		}
		if v.ScannedAt.IsZero() || (!p.ScannedAt.IsZero() && p.ScannedAt.Before(v.ScannedAt)) {
			v.ScannedAt = p.ScannedAt
		}
	}
	if len(errs) > 0 {
		v.Error = fmt.Sprint(errs)
	}
	sortBlocking(v.Blocking)
	return v
}

func sortBlocking(b []store.BlockingFinding) {
	slices.SortFunc(b, func(x, y store.BlockingFinding) int {
		if c := severityRank(y.Severity) - severityRank(x.Severity); c != 0 {
			return c
		}
		switch {
		case x.ID != y.ID:
			if x.ID < y.ID {
				return -1
			}
			return 1
		case x.Platform < y.Platform:
			return -1
		case x.Platform > y.Platform:
			return 1
		}
		return 0
	})
}

func severityRank(s string) int {
	sev, err := match.ParseSeverity(s)
	if err != nil {
		return 0
	}
	return int(sev)
}
