package enforce

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/inventory"
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
	c, err := DBChangeSince(ctx, r.st, db, since)
	if err != nil {
		return nil, err
	}
	rep.ChangedRecords, rep.ChangedNames = c.Records, c.Names
	return c.work, nil
}

// DBChange is what the records of a database modified since a time may
// affect among the SBOMs of the store's package index (IndexSBOM, and the
// rematch's own indexing of the registry's results).
type DBChange struct {
	// Records and Names count the records modified since DBChangeSince's
	// since and the package names they touch.
	Records, Names int
	work           map[digest.Digest]*touched
}

// DBChangeSince reads the records of db modified since since and finds the
// indexed SBOMs they may affect: those holding a package a changed record
// names, and those whose findings carry a changed (or removed) record's ID.
func DBChangeSince(ctx context.Context, st *store.Store, db Database, since time.Time) (*DBChange, error) {
	ids, err := db.ModifiedSince(ctx, since)
	if err != nil {
		return nil, err
	}
	c := &DBChange{Records: len(ids), work: map[digest.Digest]*touched{}}
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
	c.Names = len(keys)
	get := func(d string) *touched {
		t := c.work[digest.Digest(d)]
		if t == nil {
			t = &touched{keys: map[store.PackageKey]bool{}, ids: map[string]bool{}}
			c.work[digest.Digest(d)] = t
		}
		return t
	}
	for k := range keys {
		ds, err := st.DigestsWithPackage(ctx, k)
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			get(d).keys[k] = true
		}
	}
	for _, id := range ids {
		ds, err := st.DigestsWithFinding(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			get(d).ids[id] = true
		}
	}
	return c, nil
}

// Touches reports whether the change may affect the findings of the SBOM
// stored for d.
func (c *DBChange) Touches(d digest.Digest) bool { return c.work[d] != nil }

// Matcher matches stored SBOMs again against one database, for callers
// that keep findings by digest outside the registry's results (the fleet
// audit). It caches each package name's advisories across SBOMs and is
// safe for concurrent use.
type Matcher struct{ src *runSource }

// NewMatcher matches against db.
func NewMatcher(db Database) *Matcher { return &Matcher{src: newRunSource(db)} }

// Rematch brings the findings of the SBOM inv stored for d up to date with
// the change c: the packages c touches in d are matched again and the
// findings of the others are kept. With c nil every package is matched.
func (m *Matcher) Rematch(ctx context.Context, d digest.Digest, inv *inventory.Inventory, findings []match.Finding, c *DBChange) ([]match.Finding, error) {
	t := &touched{all: true}
	if c != nil {
		if t = c.work[d]; t == nil {
			return findings, nil
		}
	}
	return merge(ctx, m.src, inv, findings, t)
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
