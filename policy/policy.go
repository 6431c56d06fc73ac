// Package policy is drydock's one policy engine: it reads a policy file
// (apiVersion drydock/v1, kind Policy) and judges an image — its inventory
// and its vulnerability findings — into a Verdict that passes or fails with
// every reason stated. The same Policy value serves `drydock scan`, the CI
// gate, and the registry's scan on push and pull quarantine, so an image is
// judged the same way everywhere.
// Rules are a severity threshold, fixable-only counting, exceptions with a
// reason and an expiry date, OpenVEX statements, allowed registries, a
// maximum image age and custom CEL expressions, which are compiled when the
// policy loads and bounded in cost when they run.
package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/drydock/drydock/match"
	"gopkg.in/yaml.v3"
)

// PolicyID names the policy that decided a verdict, for audit logs.
type PolicyID struct {
	// Name is the policy's name: metadata from the file, else the file name.
	Name string `json:"name"`
	// Digest is "sha256:<hex>" of the effective policy: the file's settings
	// after options, with each VEX document's content digest. Two policies
	// with the same digest decide every input the same way.
	Digest string `json:"digest"`
}

// Policy is a loaded, checked and compiled policy. It is safe for concurrent
// use by many Evaluate calls.
type Policy struct {
	id          PolicyID
	description string
	failOn      match.Severity // SeverityUnknown: no threshold
	unknownAs   match.Severity
	fixableOnly bool
	// goSymbols: a Go finding whose vulnerable functions are not in the
	// binary (match.SymbolsAbsent) does not count ("goSymbols: require").
	goSymbols  bool
	exceptions []exception
	vex        []vexDocument
	registries []string
	maxAge     time.Duration // 0: no limit
	maxAgeText string
	rules      []*rule
	costLimit  uint64
	// integrityWarn downgrades integrity findings (layer entries climbing
	// out of the image) from a failure to a note.
	integrityWarn bool
	// vendorSeverity lets the distro's rating rule for OS packages.
	vendorSeverity bool
	severities     []match.Severity // only these count; nil: all
	failOnAny      bool
}

// DefaultName is the name of the policy used when none is given.
const DefaultName = "default"

// Default is the policy used when none is given: it enforces no rule but
// the image's integrity (no layer entry may climb out of the root), and
// every verdict it gives says so in a note.
func Default() *Policy {
	p := &Policy{id: PolicyID{Name: DefaultName}, costLimit: DefaultCostLimit}
	p.id.Digest = p.digest()
	return p
}

// New builds a policy from options alone, starting from Default(); it is how
// `drydock scan --fail-on high` works without a policy file.
func New(opts ...Option) (*Policy, error) {
	spec := &fileSpec{APIVersion: APIVersion, Kind: Kind, Name: DefaultName}
	return build(spec, nil, "", opts)
}

// Load reads and compiles the policy file at path; options override the
// file's settings. Relative `vex:` paths are read from the file's folder.
func Load(path string, opts ...Option) (*Policy, error) {
	data, err := readRegular(path, maxPolicySize)
	if err != nil {
		return nil, &LoadError{File: path, Err: fmt.Errorf("policy: cannot read: %w", err)}
	}
	all := append([]Option{WithBaseDir(filepath.Dir(path))}, opts...)
	return Parse(data, path, all...)
}

// Parse reads and compiles a policy from data; name is used in errors and,
// when the file sets no name, as the policy's name.
func Parse(data []byte, name string, opts ...Option) (*Policy, error) {
	if len(data) > maxPolicySize {
		return nil, &LoadError{File: name, Err: detail(ErrSyntax, "%d bytes is over the %d byte limit for a policy", len(data), maxPolicySize)}
	}
	spec, root, err := decodeFile(data, name)
	if err != nil {
		return nil, err
	}
	if spec.Name == "" {
		spec.Name = strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
		if spec.Name == "" || spec.Name == "." || spec.Name == string(filepath.Separator) {
			spec.Name = "policy"
		}
	}
	return build(spec, root, name, opts)
}

// build checks every field of spec and compiles what needs compiling.
func build(spec *fileSpec, root *yaml.Node, file string, opts []Option) (*Policy, error) {
	s := settings{baseDir: ".", costLimit: DefaultCostLimit, fixableOnly: spec.FixableOnly}
	if err := applyOptions(&s, opts); err != nil {
		return nil, err
	}
	p := &Policy{
		id:          PolicyID{Name: spec.Name},
		description: spec.Description,
		fixableOnly: s.fixableOnly,
		costLimit:   s.costLimit,
	}
	var err error
	if p.failOn, err = parseSeverity(spec.Severity.FailOn, false); err != nil {
		return nil, &LoadError{File: file, Line: lineOf(root, "severity", "failOn"), Field: "severity.failOn", Err: err}
	}
	if s.failOn != nil {
		p.failOn = *s.failOn
	}
	source := spec.Severity.Source
	if s.severitySource != "" {
		source = s.severitySource
	}
	switch source {
	case "", SourceCVSS:
	case SourceVendor:
		p.vendorSeverity = true
	default:
		return nil, &LoadError{File: file, Line: lineOf(root, "severity", "source"), Field: "severity.source", Err: detail(ErrInvalidValue, "%q: want %s or %s", source, SourceCVSS, SourceVendor)}
	}
	p.severities, p.failOnAny = s.severities, s.failOnAny
	if p.unknownAs, err = parseSeverity(spec.Severity.UnknownAs, true); err != nil {
		return nil, &LoadError{File: file, Line: lineOf(root, "severity", "unknownAs"), Field: "severity.unknownAs", Err: err}
	}
	switch spec.GoSymbols {
	case "", "off":
	case "require":
		p.goSymbols = true
	default:
		return nil, &LoadError{File: file, Line: lineOf(root, "goSymbols"), Field: "goSymbols", Err: detail(ErrInvalidValue, "got %q, want require or off", spec.GoSymbols)}
	}
	if p.exceptions, err = buildExceptions(spec.Exceptions, file, root); err != nil {
		return nil, err
	}
	p.exceptions = append(p.exceptions, s.ignores...)
	if p.registries, err = buildRegistries(spec.Registries.Allowed, file, root); err != nil {
		return nil, err
	}
	if spec.MaxAge != "" {
		if p.maxAge, err = parseAge(spec.MaxAge); err != nil {
			return nil, &LoadError{File: file, Line: lineOf(root, "maxAge"), Field: "maxAge", Err: err}
		}
		p.maxAgeText = spec.MaxAge
	}
	switch spec.Integrity {
	case "", IntegrityFail:
	case IntegrityWarn:
		p.integrityWarn = true
	default:
		return nil, &LoadError{File: file, Line: lineOf(root, "integrity"), Field: "integrity", Err: detail(ErrInvalidValue, "%q: want %s or %s", spec.Integrity, IntegrityFail, IntegrityWarn)}
	}
	if p.rules, err = compileRules(spec.Rules, s.costLimit, file, root); err != nil {
		return nil, err
	}
	if p.vex, err = loadVEXFiles(spec.VEX, s.baseDir, file, root); err != nil {
		return nil, err
	}
	extra, err := loadVEXFiles(s.vexPaths, "", "", nil)
	if err != nil {
		return nil, err
	}
	p.vex = append(p.vex, extra...)
	p.id.Digest = p.digest()
	return p, nil
}

// ID names the policy and its effective digest.
func (p *Policy) ID() PolicyID { return p.id }

// Values of the integrity key.
const (
	IntegrityFail = "fail" // an integrity finding fails the image (default)
	IntegrityWarn = "warn" // it becomes a note
)

// enforcesNothing is true when no rule but integrity can ever fail an image.
func (p *Policy) enforcesNothing() bool {
	return p.failOn == match.SeverityUnknown && !p.failOnAny && len(p.registries) == 0 && p.maxAge == 0 && len(p.rules) == 0
}

// digest hashes the effective policy, field by field in a fixed order with
// every value quoted, so no two different policies write the same text.
func (p *Policy) digest() string {
	h := sha256.New()
	field := func(name string, values ...string) {
		fmt.Fprintf(h, "%s", name)
		for _, v := range values {
			fmt.Fprintf(h, " %q", v)
		}
		fmt.Fprintln(h)
	}
	field("name", p.id.Name)
	field("failOn", severityName(p.failOn))
	field("unknownAs", severityName(p.unknownAs))
	field("fixableOnly", strconv.FormatBool(p.fixableOnly))
	if p.goSymbols {
		field("goSymbols", "require") // only when set: older digests stay valid
	}
	for _, e := range p.exceptions {
		field("exception", e.id, e.pkg, e.purl, e.reason, e.expires.UTC().Format(time.RFC3339))
	}
	for _, d := range p.vex {
		field("vex", d.digest)
	}
	field("registries", p.registries...)
	field("maxAge", p.maxAge.String())
	for _, r := range p.rules {
		field("rule", r.name, r.message, r.effect, r.source, r.idsSource)
	}
	field("costLimit", strconv.FormatUint(p.costLimit, 10))
	// Written only when set, so the digests of existing policies hold.
	if p.integrityWarn {
		field("integrity", IntegrityWarn)
	}
	if p.vendorSeverity {
		field("severitySource", SourceVendor)
	}
	if len(p.severities) > 0 {
		names := make([]string, len(p.severities))
		for i, s := range p.severities {
			names[i] = severityName(s)
		}
		field("severities", names...)
	}
	if p.failOnAny {
		field("failOnAny", "true")
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// FailOn is the severity threshold at and above which a counting finding
// fails an image; SeverityUnknown when the policy sets none.
func (p *Policy) FailOn() match.Severity { return p.failOn }

// Description is the policy's description from its file, if any.
func (p *Policy) Description() string { return p.description }

// maxPolicySize bounds a policy file; real ones are a few kilobytes.
const maxPolicySize = 1 << 20

// readRegular reads a regular file of at most limit bytes. Policies and VEX
// paths come from people and from other systems, and a path such as
// /dev/zero or a named pipe would otherwise block or fill memory.
func readRegular(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is over the %d byte limit", path, limit)
	}
	return data, nil
}
