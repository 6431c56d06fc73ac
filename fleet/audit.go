package fleet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/policy"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/verdict"
)

// Auditor runs audits over one store: it keeps what each audit learned
// there, so the next one can tell what is new. It is safe for concurrent
// use: its audits run one at a time.
type Auditor struct {
	cfg Config
	vs  *verdict.Store
	// mu runs this process's audits one at a time: each compares with the
	// one stored before it.
	mu sync.Mutex
}

// ConfigError is a Config that cannot work: the caller's fault.
type ConfigError struct{ Msg string }

func (e *ConfigError) Error() string { return "fleet: " + e.Msg }

// InvalidInput reports true: the configuration is the caller's.
func (e *ConfigError) InvalidInput() bool { return true }

// New checks cfg and returns an Auditor. Store, Scanner and Database are
// required; Registries must be host[:port] names (a scheme or trailing
// slash is dropped).
func New(cfg Config) (*Auditor, error) {
	switch {
	case cfg.Store == nil:
		return nil, &ConfigError{Msg: "no store to keep SBOMs, findings and past audits in"}
	case cfg.Scanner == nil:
		return nil, &ConfigError{Msg: "no scanner to catalog images not known yet"}
	case cfg.Database == nil:
		return nil, &ConfigError{Msg: "no vulnerability database"}
	}
	regs := make([]string, len(cfg.Registries))
	for i, r := range cfg.Registries {
		r = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(r, "https://"), "http://"), "/")
		if r == "" || strings.ContainsAny(r, "/ @") {
			return nil, &ConfigError{Msg: fmt.Sprintf("registry name %q is not a host[:port]", cfg.Registries[i])}
		}
		regs[i] = r
	}
	cfg.Registries = regs
	if cfg.Policy == nil {
		cfg.Policy = policy.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Auditor{cfg: cfg, vs: verdict.New(cfg.Store)}, nil
}

// markSource names the audit's database mark in the store's rematch marks
// (enforce's is "vulndb").
const markSource = "fleet"

// historyKept is how many audits Report.History holds, this one included.
const historyKept = 50

// Run audits what sources list as running: it groups the containers by
// digest, catalogs each digest whose SBOM is not stored yet (once: a
// stored SBOM is never pulled again), brings every digest's findings up to
// date with the database (matching again only the packages named by
// records modified since they were last matched), tells what is new and
// what was resolved since the previous audit, and stores the report.
//
// An image that cannot be cataloged gets Image.Error and is tried again at
// the next audit; the audit goes on. A source that cannot list what runs,
// or a store or database failure, fails the audit and nothing is stored.
func (a *Auditor) Run(ctx context.Context, sources ...Source) (*Report, error) {
	if len(sources) == 0 {
		return nil, &ConfigError{Msg: "no source of running workloads (Kubernetes or an inventory file)"}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	db := a.cfg.Database()
	if db == nil {
		return nil, errors.New("fleet: no vulnerability database to audit against (drydock db update)")
	}
	rep := &Report{Started: a.cfg.Now().UTC(), DatabaseBuilt: db.Built().UTC(), Running: []Running{}}
	for _, src := range sources {
		rs, err := src.Running(ctx)
		if err != nil {
			return nil, fmt.Errorf("fleet: listing what runs (%s): %w", src.Describe(), err)
		}
		rep.Sources = append(rep.Sources, src.Describe())
		rep.Running = append(rep.Running, rs...)
	}
	rep.Images = group(rep.Running)
	rep.Rematch.Images = len(rep.Images)

	// The totals of the audits before, for the chart; the newest is the
	// previous audit (its stored report is not needed).
	past, err := a.cfg.Store.FleetHistory(ctx, historyKept-1)
	if err != nil {
		return nil, err
	}
	if len(past) > 0 {
		t := past[len(past)-1].Started
		rep.Previous = &t
	}
	entries, err := a.update(ctx, db, rep)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		e.fill()
		rep.Counts = rep.Counts.add(e.img.Counts)
	}
	st, err := a.compare(ctx, rep, entries)
	if err != nil {
		return nil, err
	}
	history(rep, past)
	if err := analyze(ctx, a.cfg, rep); err != nil {
		return nil, fmt.Errorf("fleet: analysis: %w", err)
	}
	rep.Finished = a.cfg.Now().UTC()
	if err := a.save(ctx, rep, entries, st); err != nil {
		return nil, err
	}
	mark := db.Built()
	if mark.IsZero() {
		mark = rep.Started
	}
	if err := a.cfg.Store.SetRematchSince(ctx, markSource, mark); err != nil {
		return nil, err
	}
	return rep, nil
}

// Last returns the report of the last audit stored, nil when none ran.
func (a *Auditor) Last(ctx context.Context) (*Report, error) {
	_, body, err := a.cfg.Store.LastFleetAudit(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return decodeReport(body)
}

// group makes one Image per distinct digest, with its references and
// workloads sorted and each once, ordered by repository then digest.
func group(running []Running) []*Image {
	by := map[digest.Digest]*Image{}
	for _, r := range running {
		img := by[r.Digest]
		if img == nil {
			img = &Image{Digest: r.Digest, Refs: []string{}, Workloads: []Workload{}, Findings: []Finding{}}
			by[r.Digest] = img
		}
		if !slices.Contains(img.Refs, r.Image) {
			img.Refs = append(img.Refs, r.Image)
		}
		if !slices.Contains(img.Workloads, r.Workload) {
			img.Workloads = append(img.Workloads, r.Workload)
		}
	}
	out := make([]*Image, 0, len(by))
	for _, img := range by {
		slices.Sort(img.Refs)
		sortWorkloads(img.Workloads)
		if len(img.Refs) > 0 {
			img.Repository = repositoryOf(img.Refs[0])
		}
		out = append(out, img)
	}
	slices.SortFunc(out, func(x, y *Image) int {
		if c := strings.Compare(x.Repository, y.Repository); c != 0 {
			return c
		}
		return strings.Compare(string(x.Digest), string(y.Digest))
	})
	return out
}

func sortWorkloads(ws []Workload) {
	slices.SortFunc(ws, func(x, y Workload) int {
		if c := strings.Compare(x.Namespace, y.Namespace); c != 0 {
			return c
		}
		if c := strings.Compare(x.Name, y.Name); c != 0 {
			return c
		}
		return strings.Compare(x.Kind, y.Kind)
	})
}
