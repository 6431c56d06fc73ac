package enforce_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/enforce"
	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/match"
	"github.com/drydock/drydock/policy"
	"github.com/drydock/drydock/store"
)

// memScans keeps scan results in memory. It stands in for the scanner's
// verdict store, which is not on main yet; everything else in these tests
// (store, policy, audit log) is the real thing.
type memScans struct {
	mu sync.Mutex
	m  map[digest.Digest]*enforce.ScanResult
	n  int
}

func newMemScans() *memScans { return &memScans{m: map[digest.Digest]*enforce.ScanResult{}} }

func (s *memScans) put(d digest.Digest, r *enforce.ScanResult) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	c := *r
	c.Version = fmt.Sprint(s.n)
	s.m[d] = &c
}

func (s *memScans) Result(_ context.Context, _ string, d digest.Digest) (*enforce.ScanResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.m[d]
	if r == nil {
		return nil, nil
	}
	c := *r
	return &c, nil
}

func (s *memScans) Scanned(context.Context) ([]digest.Digest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []digest.Digest
	for d, r := range s.m {
		if r.State == enforce.StateScanned {
			out = append(out, d)
		}
	}
	return out, nil
}

func (s *memScans) Rematched(_ context.Context, rm enforce.Rematch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := *s.m[rm.Digest]
	d := rm.Digest
	pass := rm.Verdict.Pass
	r.Findings, r.Pass = rm.Findings, &pass
	s.n++
	r.Version = fmt.Sprint(s.n)
	s.m[d] = &r
	return nil
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

const (
	imageManifest = "application/vnd.oci.image.manifest.v1+json"
	imageConfig   = "application/vnd.oci.image.config.v1+json"
)

// putImage stores an image manifest using blobs in repo.
func putImage(t testing.TB, st *store.Store, repo string, d digest.Digest, blobs ...digest.Digest) {
	t.Helper()
	ctx := context.Background()
	var bs []string
	for _, b := range blobs {
		if err := st.PutBlob(ctx, repo, b.String(), 10); err != nil {
			t.Fatal(err)
		}
		bs = append(bs, b.String())
	}
	m := &store.Manifest{Repo: repo, Digest: d.String(), MediaType: imageManifest, ConfigMediaType: imageConfig,
		Content: []byte(d.String()), Blobs: bs}
	if err := st.PutManifest(ctx, m); err != nil {
		t.Fatal(err)
	}
}

func dg(s string) digest.Digest { return digest.FromString(s) }

// openssl is one Debian package with one high finding fixed in 3.0.14-1.
func opensslResult(d digest.Digest) *enforce.ScanResult {
	pkg := inventory.Package{Name: "libssl3", SourceName: "openssl", Version: "3.0.11-1", Type: inventory.TypeDeb, Ecosystem: "Debian:12", Path: "var/lib/dpkg/status"}
	inv := &inventory.Inventory{Digest: d.String(), Packages: []inventory.Package{pkg}}
	f := match.Finding{ID: "CVE-2024-5535", IDs: []string{"CVE-2024-5535"}, Package: pkg, Installed: "3.0.11-1",
		Fixed: []string{"3.0.14-1"}, Severity: match.SeverityHigh}
	return &enforce.ScanResult{State: enforce.StateScanned, Inventory: inv, Findings: []match.Finding{f}}
}

type fixture struct {
	st       *store.Store
	audit    *auditlog.Log
	clock    *clock
	scans    *memScans
	settings *enforce.Settings
	gate     *enforce.Gate
}

func newFixture(t testing.TB, st *store.Store) *fixture {
	t.Helper()
	ctx := context.Background()
	c := &clock{t: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)}
	audit, err := auditlog.New(st)
	if err != nil {
		t.Fatal(err)
	}
	for _, ns := range []string{"prod", "dev"} {
		if err := st.CreateNamespace(ctx, auth.Namespace{Name: ns, Created: c.now()}); err != nil {
			t.Fatal(err)
		}
	}
	settings, err := enforce.NewSettings(ctx, st, enforce.WithClock(c.now), enforce.WithAudit(audit))
	if err != nil {
		t.Fatal(err)
	}
	scans := newMemScans()
	gate, err := enforce.NewGate(settings, scans, st, enforce.WithClock(c.now), enforce.WithAudit(audit))
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{st: st, audit: audit, clock: c, scans: scans, settings: settings, gate: gate}
}

var admin = auth.Principal{Name: "admin", Kind: "user", Admin: true}

const highPolicy = `apiVersion: drydock/v1
kind: Policy
name: prod
severity: {failOn: high}
`

func (f *fixture) enforce(t testing.TB, ns, pol string) {
	t.Helper()
	on := true
	if _, err := f.settings.Set(context.Background(), admin, ns, enforce.Change{Enforce: &on, Policy: []byte(pol)}); err != nil {
		t.Fatalf("Set(%s): %v", ns, err)
	}
}

func policyInput(inv *inventory.Inventory, fs []match.Finding) policy.Input {
	return policy.Input{Inventory: inv, Findings: fs}
}

func digestOf(s string) digest.Digest { return digest.Digest(s) }
