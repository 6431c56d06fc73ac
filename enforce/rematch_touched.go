package enforce

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/match"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/vulndb"
)

// touched is what of one stored result a change may affect.
type touched struct {
	all  bool
	keys map[store.PackageKey]bool
	ids  map[string]bool
}

// touchedSince finds the stored results that the records changed since
// since may affect: those holding a package a changed record names, and
// those whose findings carry a changed (or removed) record's ID.
func (r *Rematcher) touchedSince(ctx context.Context, db Database, since time.Time, rep *RematchReport) (map[digest.Digest]*touched, error) {
	ids, err := db.ModifiedSince(ctx, since)
	if err != nil {
		return nil, err
	}
	rep.ChangedRecords = len(ids)
	keys := map[store.PackageKey]bool{}
	for _, id := range ids {
		adv, err := db.Advisory(ctx, id)
		if errors.Is(err, vulndb.ErrUnknownID) {
			continue // removed: found through the finding index below
		}
		if err != nil {
			return nil, err
		}
		for _, a := range adv.Affected {
			eco := a.Package.Ecosystem
			keys[store.PackageKey{Eco: vulndb.EcosystemKey(eco), Name: vulndb.NameKey(eco, a.Package.Name)}] = true
		}
	}
	rep.ChangedNames = len(keys)
	work := map[digest.Digest]*touched{}
	get := func(d string) *touched {
		t := work[digest.Digest(d)]
		if t == nil {
			t = &touched{keys: map[store.PackageKey]bool{}, ids: map[string]bool{}}
			work[digest.Digest(d)] = t
		}
		return t
	}
	for k := range keys {
		ds, err := r.st.DigestsWithPackage(ctx, k)
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			get(d).keys[k] = true
		}
	}
	for _, id := range ids {
		ds, err := r.st.DigestsWithFinding(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			get(d).ids[id] = true
		}
	}
	return work, nil
}

// runSource caches the advisories of each package name for one rematch:
// thousands of stored SBOMs share most of their package names.
type runSource struct {
	db     Database
	enrich match.Option
	mu     sync.Mutex
	m      map[[2]string][]*vulndb.Advisory
}

func newRunSource(db Database) *runSource {
	e, _ := db.(match.Enricher)
	return &runSource{db: db, enrich: match.WithEnricher(e), m: map[[2]string][]*vulndb.Advisory{}}
}

func (s *runSource) Advisories(ctx context.Context, eco, name string) ([]*vulndb.Advisory, error) {
	k := [2]string{eco, name}
	s.mu.Lock()
	a, ok := s.m[k]
	s.mu.Unlock()
	if ok {
		return a, nil
	}
	a, err := s.db.Advisories(ctx, eco, name)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.m[k] = a
	s.mu.Unlock()
	return a, nil
}
