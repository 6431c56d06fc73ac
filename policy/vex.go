package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/openvex/go-vex/pkg/vex"
	"github.com/package-url/packageurl-go"
	"gopkg.in/yaml.v3"

	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/match"
)

// maxVEXSize bounds one VEX document; real ones are kilobytes.
const maxVEXSize = 16 << 20

// vexDocument is one OpenVEX document with where it came from.
type vexDocument struct {
	file   string
	digest string // "sha256:…" of the file's bytes
	doc    *vex.VEX
}

// loadVEXFiles reads OpenVEX documents. Paths from a policy file are relative
// to baseDir and errors name the policy line; paths from options have no
// policy file (file == "").
func loadVEXFiles(paths []string, baseDir, file string, root *yaml.Node) ([]vexDocument, error) {
	out := make([]vexDocument, 0, len(paths))
	for i, p := range paths {
		field, line := "--vex", 0
		if file != "" {
			field = fmt.Sprintf("vex[%d]", i)
			if seq := lookup(root, "vex"); seq != nil && i < len(seq.Content) {
				line = seq.Content[i].Line
			}
		}
		full := p
		if baseDir != "" && !filepath.IsAbs(p) {
			full = filepath.Join(baseDir, p)
		}
		d, err := loadVEX(full)
		if err != nil {
			return nil, &LoadError{File: file, Line: line, Field: field, Err: err}
		}
		out = append(out, d)
	}
	return out, nil
}

// loadVEX reads one OpenVEX JSON document and checks every statement, so a
// malformed statement is a load error instead of a finding quietly counted.
func loadVEX(path string) (vexDocument, error) {
	data, err := readRegular(path, maxVEXSize)
	if err != nil {
		return vexDocument{}, fmt.Errorf("%w: %w", ErrVEX, err)
	}
	var head struct {
		Context string `json:"@context"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return vexDocument{}, detail(ErrVEX, "%s is not JSON: %v", path, err)
	}
	if !strings.HasPrefix(head.Context, vex.Context) {
		return vexDocument{}, detail(ErrVEX, "%s is not an OpenVEX document (@context %q, want %s/v…)", path, head.Context, vex.Context)
	}
	var doc *vex.VEX
	if head.Context == vex.ContextLocator() {
		doc, err = vex.Parse(data)
	} else {
		// Older OpenVEX versions: go-vex converts them to the current model.
		doc, err = vex.Open(path)
	}
	if err != nil {
		return vexDocument{}, detail(ErrVEX, "%s: %v", path, err)
	}
	for i := range doc.Statements {
		s := &doc.Statements[i]
		if s.Vulnerability.Name == "" && s.Vulnerability.ID == "" {
			return vexDocument{}, detail(ErrVEX, "%s: statements[%d] names no vulnerability", path, i)
		}
		if len(s.Products) == 0 {
			return vexDocument{}, detail(ErrVEX, "%s: statements[%d] (%s) names no product", path, i, s.Vulnerability.Name)
		}
		if err := s.Validate(); err != nil {
			return vexDocument{}, detail(ErrVEX, "%s: statements[%d] (%s): %v", path, i, s.Vulnerability.Name, err)
		}
	}
	sum := sha256.Sum256(data)
	return vexDocument{file: path, digest: "sha256:" + hex.EncodeToString(sum[:]), doc: doc}, nil
}

// vexVerdict is the latest statement that speaks about one finding.
type vexVerdict struct {
	stmt *vex.Statement
	when time.Time
	doc  *vexDocument
}

// vexFor finds the most recent statement, across all documents, about f's
// vulnerability (by name or alias) in this image or f's package. OpenVEX
// statements are a history: a later "affected" overrides an earlier
// "not_affected", so only the latest counts.
func vexFor(docs []vexDocument, inv *inventory.Inventory, f *match.Finding) *vexVerdict {
	var best *vexVerdict
	for di := range docs {
		d := &docs[di]
		var docTime time.Time
		if d.doc.Timestamp != nil {
			docTime = *d.doc.Timestamp
		}
		for si := range d.doc.Statements {
			s := &d.doc.Statements[si]
			if !statementAboutVuln(s, f) || !statementAboutPackage(s, inv, f.Package.PURL) {
				continue
			}
			when := docTime
			if s.Timestamp != nil && !s.Timestamp.IsZero() {
				when = *s.Timestamp
			}
			// Later statements win; at equal times, the later one in file order.
			if best == nil || !when.Before(best.when) {
				best = &vexVerdict{stmt: s, when: when, doc: d}
			}
		}
	}
	return best
}

func statementAboutVuln(s *vex.Statement, f *match.Finding) bool {
	if s.Vulnerability.Matches(f.ID) {
		return true
	}
	for _, id := range f.IDs {
		if s.Vulnerability.Matches(id) {
			return true
		}
	}
	return false
}

// statementAboutPackage reports whether one of the statement's products is
// the package itself (its PURL), or this image (by digest) with no
// subcomponents or with the package among its subcomponents.
func statementAboutPackage(s *vex.Statement, inv *inventory.Inventory, purl string) bool {
	for i := range s.Products {
		p := &s.Products[i]
		if purl != "" && p.Component.Matches(purl) {
			return true
		}
		if !componentIsImage(&p.Component, inv) {
			continue
		}
		if len(p.Subcomponents) == 0 {
			return true
		}
		for j := range p.Subcomponents {
			if purl != "" && p.Subcomponents[j].Matches(purl) {
				return true
			}
		}
	}
	return false
}

// componentIsImage reports whether a VEX product names this image by its
// manifest digest: as "sha256:…", as name@digest, as a pkg:oci PURL whose
// version is the digest, or by a sha-256 hash. Names and tags alone are not
// enough, because a tag moves and a VEX statement is about one build.
func componentIsImage(c *vex.Component, inv *inventory.Inventory) bool {
	if inv == nil || inv.Digest == "" {
		return false
	}
	algo, hexDigest, _ := strings.Cut(inv.Digest, ":")
	ids := make([]string, 0, 1+len(c.Identifiers))
	ids = append(ids, c.ID)
	for _, id := range c.Identifiers {
		ids = append(ids, id)
	}
	for _, id := range ids {
		switch {
		case id == "":
		case id == inv.Digest, inv.Name != "" && id == inv.Name+"@"+inv.Digest:
			return true
		case strings.HasPrefix(id, "pkg:oci/"):
			if u, err := packageurl.FromString(id); err == nil && u.Version == inv.Digest {
				return true
			}
		}
	}
	want := vex.Algorithm(strings.ReplaceAll(algo, "sha", "sha-"))
	if h, ok := c.Hashes[want]; ok && string(h) == hexDigest {
		return true
	}
	return false
}

// suppresses reports whether a statement's status removes a finding:
// not_affected and fixed do; affected and under_investigation do not.
func (v *vexVerdict) suppresses() bool {
	return v.stmt.Status == vex.StatusNotAffected || v.stmt.Status == vex.StatusFixed
}

// reason words the suppression for the verdict.
func (v *vexVerdict) reason() string {
	s := fmt.Sprintf("VEX %s", v.stmt.Status)
	if v.stmt.Justification != "" {
		s += " (" + string(v.stmt.Justification) + ")"
	} else if v.stmt.ImpactStatement != "" {
		s += " (" + v.stmt.ImpactStatement + ")"
	}
	if v.doc.doc.Author != "" {
		s += " by " + v.doc.doc.Author
	}
	return s + " in " + filepath.Base(v.doc.file)
}
