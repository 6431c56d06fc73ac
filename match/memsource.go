package match

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/drydock/drydock/vulndb"
)

// MemSource is a Source held in memory: OSV records indexed by the
// (ecosystem, name) of each of their affected entries. It serves scans of a
// folder of OSV files without building a database, and tests.
type MemSource struct {
	byPkg map[[2]string][]*vulndb.Advisory
	n     int
	kev   map[string]bool
	epss  map[string]float64
}

var (
	_ Source   = (*MemSource)(nil)
	_ Enricher = (*MemSource)(nil)
)

// NewMemSource indexes the given records.
func NewMemSource(advs ...*vulndb.Advisory) *MemSource {
	s := &MemSource{
		byPkg: make(map[[2]string][]*vulndb.Advisory),
		kev:   make(map[string]bool),
		epss:  make(map[string]float64),
	}
	for _, a := range advs {
		s.Add(a)
	}
	return s
}

// Add indexes one more record; a record naming a package twice is listed once.
func (s *MemSource) Add(a *vulndb.Advisory) {
	s.n++
	seen := map[[2]string]bool{}
	for _, aff := range a.Affected {
		k := memKey(aff.Package.Ecosystem, aff.Package.Name)
		if !seen[k] {
			seen[k] = true
			s.byPkg[k] = append(s.byPkg[k], a)
		}
	}
}

// SetKEV marks CVE IDs as listed in CISA's known exploited catalogue.
func (s *MemSource) SetKEV(ids ...string) {
	for _, id := range ids {
		s.kev[id] = true
	}
}

// SetEPSS records a CVE's EPSS score; it must lie in [0, 1].
func (s *MemSource) SetEPSS(id string, score float64) error {
	if score < 0 || score > 1 {
		return fmt.Errorf("match: EPSS score %v for %s is outside [0, 1]", score, id)
	}
	s.epss[id] = score
	return nil
}

// KEV reports whether id is in the known exploited catalogue.
func (s *MemSource) KEV(ctx context.Context, id string) (bool, error) {
	return s.kev[id], ctx.Err()
}

// EPSS returns id's EPSS score where one was recorded.
func (s *MemSource) EPSS(ctx context.Context, id string) (float64, bool, error) {
	v, ok := s.epss[id]
	return v, ok, ctx.Err()
}

// Len is the number of records held.
func (s *MemSource) Len() int { return s.n }

// Advisories returns the records naming name in ecosystem.
func (s *MemSource) Advisories(ctx context.Context, ecosystem, name string) ([]*vulndb.Advisory, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.byPkg[memKey(ecosystem, name)], nil
}

func memKey(eco, name string) [2]string {
	return [2]string{vulndb.EcosystemKey(eco), vulndb.NameKey(eco, name)}
}

// LoadDir reads every *.json file under dir as one OSV record. A file that
// is not a valid record is an error naming the file: an advisory folder
// that half-loads would hide findings.
func LoadDir(dir string) (*MemSource, error) {
	s := NewMemSource()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(d.Name(), ".json") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var a vulndb.Advisory
		if err := json.Unmarshal(b, &a); err != nil {
			return &RecordError{Path: path, Err: err}
		}
		if a.ID == "" {
			return &RecordError{Path: path, Err: fmt.Errorf("no id")}
		}
		s.Add(&a)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("match: loading OSV records from %s: %w", dir, err)
	}
	return s, nil
}

// RecordError is an OSV file that cannot be read as a record (bad input).
type RecordError struct {
	Path string
	Err  error
}

func (e *RecordError) Error() string { return fmt.Sprintf("%s: not an OSV record: %v", e.Path, e.Err) }
func (e *RecordError) Unwrap() error { return e.Err }

// InvalidInput reports true: the record given was wrong.
func (e *RecordError) InvalidInput() bool { return true }
