package enforce

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/match"
	"github.com/drydock/drydock/policy"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/vulndb"
)

// Database is the vulnerability database a rematch reads: advisories by
// package for matching, and which records changed since a time. The vulndb
// database is one.
type Database interface {
	match.Source
	ModifiedSince(ctx context.Context, t time.Time) ([]string, error)
	Advisory(ctx context.Context, id string) (*vulndb.Advisory, error)
	Built() time.Time
	Checked() time.Time
}

var _ Database = (*vulndb.DB)(nil)

// Flip is a verdict a rematch turned, pass to fail or back.
type Flip struct {
	// Namespace is the namespace whose policy the verdict is under.
	Namespace string
	Digest    digest.Digest
	// Repos are the namespace's repositories that hold the manifest.
	Repos []string
	// Pass is the new verdict; it was the opposite before.
	Pass    bool
	Verdict *policy.Verdict
	Time    time.Time
}

// RematchReport says what one rematch did.
type RematchReport struct {
	// Since is the start of the previous rematch: records changed after it
	// were looked at. Zero for a full rematch.
	Since time.Time
	// Full is true when every stored result was matched whole.
	Full bool
	// ChangedRecords and ChangedNames count the records modified since
	// Since and the package names they touch.
	ChangedRecords, ChangedNames int
	// Stored counts stored results; Reevaluated those matched again (in
	// part, for the touched packages only, unless Full); NotReevaluated the
	// rest, whose packages no changed record names.
	Stored, Reevaluated, NotReevaluated int
	// Rewritten counts results whose findings changed.
	Rewritten int
	Flips     []Flip
	Took      time.Duration
}

// Rematcher matches stored SBOMs again after a database update, without
// downloading or cataloging anything: only the packages named by records
// modified since the last rematch are matched, and a verdict that flips is
// stored, audited and announced.
type Rematcher struct {
	st         *store.Store
	results    RematchStore
	policies   Policies
	now        func() time.Time
	audit      auditlog.Recorder
	onFlip     func(Flip)
	invalidate func(digest.Digest)
	workers    int
}

// markSource names the rematch mark in the store.
const markSource = "vulndb"

// NewRematcher builds a rematch over the stored results and the store's
// package index. Options read: WithClock, WithAudit, WithFlipHook.
func NewRematcher(st *store.Store, results RematchStore, policies Policies, opts ...Option) (*Rematcher, error) {
	if st == nil || results == nil || policies == nil {
		return nil, &InputError{Err: errors.New("enforce: NewRematcher needs the store, stored results and policies")}
	}
	o, err := newOptions(opts)
	if err != nil {
		return nil, err
	}
	return &Rematcher{st: st, results: results, policies: policies, now: o.now, audit: o.audit, onFlip: o.onFlip,
		invalidate: func(digest.Digest) {}, workers: runtime.GOMAXPROCS(0)}, nil
}

// InvalidateWith names who to tell that a stored result changed (the gate).
func (r *Rematcher) InvalidateWith(fn func(digest.Digest)) { r.invalidate = fn }

// Run rematches against db: the change since the last run, or everything
// when full is true or there was no last run.
func (r *Rematcher) Run(ctx context.Context, db Database, full bool) (*RematchReport, error) {
	start := time.Now()
	rep := &RematchReport{}
	since, err := r.st.RematchSince(ctx, markSource)
	if err != nil {
		return nil, err
	}
	stored, err := r.index(ctx)
	if err != nil {
		return nil, err
	}
	rep.Stored = len(stored)
	var work map[digest.Digest]*touched
	if full || since.IsZero() {
		rep.Full = true
		work = make(map[digest.Digest]*touched, len(stored))
		for _, d := range stored {
			work[d] = &touched{all: true}
		}
	} else {
		rep.Since = since
		if work, err = r.touchedSince(ctx, db, since, rep); err != nil {
			return nil, err
		}
	}
	if err := r.rematchAll(ctx, newRunSource(db), work, rep); err != nil {
		return nil, err
	}
	rep.Reevaluated = len(work)
	rep.NotReevaluated = rep.Stored - rep.Reevaluated
	// The next rematch looks at what changed after this database was
	// built: the database's own clock, so a file built on another machine
	// and pulled later (db pull) is compared with its own lineage, not
	// with this machine's clock.
	mark := db.Built()
	if mark.IsZero() {
		mark = start
	}
	if err := r.st.SetRematchSince(ctx, markSource, mark); err != nil {
		return nil, err
	}
	rep.Took = time.Since(start)
	return rep, nil
}

// rematchAll rematches the work on a few workers; the first error stops it.
func (r *Rematcher) rematchAll(ctx context.Context, db *runSource, work map[digest.Digest]*touched, rep *RematchReport) error {
	ds := make([]digest.Digest, 0, len(work))
	for d := range work {
		ds = append(ds, d)
	}
	slices.Sort(ds)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan digest.Digest)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range max(1, r.workers) {
		wg.Go(func() {
			for d := range next {
				flips, rewritten, err := r.rematchOne(ctx, db, d, work[d])
				if err != nil {
					cancel(fmt.Errorf("enforce: rematch %s: %w", d, err))
					continue
				}
				mu.Lock()
				if rewritten {
					rep.Rewritten++
				}
				rep.Flips = append(rep.Flips, flips...)
				mu.Unlock()
			}
		})
	}
	for _, d := range ds {
		if ctx.Err() != nil {
			break
		}
		next <- d
	}
	close(next)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	sort.Slice(rep.Flips, func(i, j int) bool { return rep.Flips[i].Digest < rep.Flips[j].Digest })
	return nil
}

// rematchOne matches the touched packages of one stored result again,
// keeps the other packages' findings, judges the result under the policy
// of every namespace holding the manifest and stores it where anything
// changed.
func (r *Rematcher) rematchOne(ctx context.Context, db *runSource, d digest.Digest, t *touched) ([]Flip, bool, error) {
	repos, err := r.st.RepositoriesWithManifest(ctx, d.String())
	if err != nil {
		return nil, false, err
	}
	var order []string
	byNS := map[string][]string{}
	for _, repo := range repos {
		ns, ok := auth.NamespaceOf(repo)
		if !ok {
			continue
		}
		if byNS[ns] == nil {
			order = append(order, ns)
		}
		byNS[ns] = append(byNS[ns], repo)
	}
	if len(order) == 0 {
		return nil, false, nil // no longer in any namespace
	}
	res, err := r.results.Result(ctx, byNS[order[0]][0], d)
	if err != nil {
		return nil, false, err
	}
	if res == nil || res.Inventory == nil {
		return nil, false, nil // not scanned (any more): nothing stored to match
	}
	merged, err := merge(ctx, db, res.Inventory, res.Findings, t)
	if err != nil {
		return nil, false, err
	}
	// Unchanged findings are judged again all the same: a result whose
	// findings were never stored has them matched on first read against
	// the database in use, which may already be the updated one, so the
	// stored verdict, not the findings, says what the image was.
	changed := !sameFindings(res.Findings, merged)
	now := r.now()
	var flips []Flip
	rewritten := false
	for i, ns := range order {
		if i > 0 {
			if res, err = r.results.Result(ctx, byNS[ns][0], d); err != nil {
				return nil, false, err
			}
			if res == nil || res.Inventory == nil {
				continue
			}
		}
		pol, err := r.policies.Policy(ctx, ns)
		if err != nil {
			return nil, false, err
		}
		v, err := pol.Evaluate(ctx, policy.Input{Inventory: res.Inventory, Findings: merged, Now: now})
		if err != nil {
			return nil, false, err
		}
		was := res.Pass
		if was == nil {
			old, err := pol.Evaluate(ctx, policy.Input{Inventory: res.Inventory, Findings: res.Findings, Now: now})
			if err != nil {
				return nil, false, err
			}
			was = &old.Pass
		}
		if !changed && *was == v.Pass {
			continue
		}
		err = r.results.Rematched(ctx, Rematch{Namespace: ns, Digest: d, Inventory: res.Inventory, Findings: merged, Verdict: v,
			Built: db.db.Built(), Checked: db.db.Checked()})
		if err != nil {
			return nil, false, err
		}
		rewritten = true
		if *was != v.Pass {
			f := Flip{Namespace: ns, Digest: d, Repos: byNS[ns], Pass: v.Pass, Verdict: v, Time: now.UTC()}
			r.announce(ctx, &f)
			flips = append(flips, f)
		}
	}
	if rewritten {
		if err := r.st.IndexFindings(ctx, d.String(), findingIDs(merged)); err != nil {
			return nil, false, err
		}
		r.invalidate(d)
	}
	return flips, rewritten, nil
}

// merge matches the packages of inv that t touches and returns their
// findings with the stored findings of the other packages.
func merge(ctx context.Context, db *runSource, inv *inventory.Inventory, findings []match.Finding, t *touched) ([]match.Finding, error) {
	again := make([]bool, len(inv.Packages))
	for i := range inv.Packages {
		again[i] = t.all || t.touches(&inv.Packages[i])
	}
	byPkg := packageIndex(inv)
	for i := range findings {
		f := &findings[i]
		if t.ids[f.ID] || slices.ContainsFunc(f.IDs, func(id string) bool { return t.ids[id] }) {
			if at, ok := byPkg[pkgKey(&f.Package)]; ok {
				again[at] = true
			}
		}
	}
	sub := *inv
	sub.Packages = nil
	for i, a := range again {
		if a {
			sub.Packages = append(sub.Packages, inv.Packages[i])
		}
	}
	fresh, err := match.Match(ctx, &sub, db, db.enrich)
	if err != nil {
		return nil, err
	}
	var kept []match.Finding
	for i := range findings {
		at, ok := byPkg[pkgKey(&findings[i].Package)]
		if !ok || !again[at] {
			kept = append(kept, findings[i])
		}
	}
	return mergeFindings(byPkg, kept, fresh), nil
}

func (r *Rematcher) announce(ctx context.Context, f *Flip) {
	if r.audit != nil {
		outcome := map[bool]string{true: auditlog.OutcomeAllowed, false: auditlog.OutcomeDenied}[f.Pass]
		reason := "database update: the verdict is now " + map[bool]string{true: "pass", false: "fail"}[f.Pass]
		if !f.Pass && len(f.Verdict.Reasons) > 0 {
			reason += ": " + f.Verdict.Reasons[0].String()
		}
		repos := f.Repos
		if len(repos) == 0 {
			repos = []string{""}
		}
		for _, repo := range repos {
			_ = r.audit.Record(ctx, auditlog.Event{Time: f.Time, Actor: "drydock", Action: "verdict.changed", Repo: repo,
				Target: f.Digest.String(), Outcome: outcome, Reason: reason})
		}
	}
	if r.onFlip != nil {
		r.onFlip(*f)
	}
}
