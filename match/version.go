package match

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/google/osv-scalibr/semantic"

	"github.com/drydock/drydock/vulndb"
)

// errNotAVersion marks a version string that is not a version of its
// ecosystem at all; semantic's lenient parsers accept anything for some.
var errNotAVersion = errors.New("not a version")

// versions parses version strings once per scan: the same fixed versions
// recur across packages and the same installed version across ranges.
type versions struct {
	cache  map[versionKey]parsed
	ranges map[*vulndb.Range]sorted
}

type versionKey struct {
	semver    bool   // parsed as SemVer (a SEMVER range) rather than by ecosystem
	ecosystem string // base ecosystem ("Debian", not "Debian:12")
	v         string
}

type parsed struct {
	v   semantic.Version
	err error
}

func newVersions() *versions {
	return &versions{cache: make(map[versionKey]parsed), ranges: make(map[*vulndb.Range]sorted)}
}

// baseEcosystem strips the release suffix: "Debian:12" → "Debian".
func baseEcosystem(eco string) string {
	if i := strings.IndexByte(eco, ':'); i >= 0 {
		return eco[:i]
	}
	return eco
}

// parse reads v in the order of a range of type rangeType ("SEMVER" or
// "ECOSYSTEM") in ecosystem eco.
func (vs *versions) parse(rangeType, eco, v string) (semantic.Version, error) {
	k := versionKey{semver: rangeType == "SEMVER", ecosystem: baseEcosystem(eco), v: v}
	if p, ok := vs.cache[k]; ok {
		return p.v, p.err
	}
	p := parsed{}
	p.v, p.err = parseVersion(k)
	vs.cache[k] = p
	return p.v, p.err
}

// maxVersionLen bounds the versions compared. The longest real ones (Debian
// backports with +deb…u…~bpo…, Go pseudo-versions) stay under 100 bytes;
// semantic's parsers take time quadratic in the length, so a hostile
// package.json with a 100 kB version would stall a scan for seconds.
const maxVersionLen = 256

func parseVersion(k versionKey) (semantic.Version, error) {
	if strings.TrimSpace(k.v) == "" {
		return nil, fmt.Errorf("empty version: %w", errNotAVersion)
	}
	if len(k.v) > maxVersionLen {
		return nil, fmt.Errorf("a %d-byte version, longer than %d: %w", len(k.v), maxVersionLen, errNotAVersion)
	}
	semverLike := k.semver
	switch k.ecosystem {
	case "Go", "npm", "crates.io", "Hex", "SwiftURL", "Pub":
		semverLike = true
	}
	if semverLike && !looksSemver(k.v) {
		// semantic parses any string as SemVer; "(devel)" or "latest" would
		// then order somewhere arbitrary and invent or hide findings.
		return nil, fmt.Errorf("%q does not start with a number: %w", k.v, errNotAVersion)
	}
	if k.semver {
		return semantic.ParseSemverVersion(k.v), nil
	}
	if re, ok := strictForm[k.ecosystem]; ok && !re.MatchString(k.v) {
		// These parsers accept any string and order it somewhere.
		return nil, fmt.Errorf("%q is not a %s version: %w", k.v, k.ecosystem, errNotAVersion)
	}
	v, err := semantic.Parse(k.v, k.ecosystem)
	if err != nil {
		return nil, err
	}
	return v, nil
}

var (
	// dpkgForm is Debian policy's [epoch:]upstream[-revision], upstream
	// starting with a digit.
	dpkgForm = regexp.MustCompile(`^([0-9]+:)?[0-9][A-Za-z0-9.+~:-]*$`)
	// rpmForm is [epoch:]version[-release].
	rpmForm = regexp.MustCompile(`^([0-9]+:)?[A-Za-z0-9._+~^-]*[0-9][A-Za-z0-9._+~^-]*$`)
	// anyDigits is the least a language version must have: a digit and no space.
	anyDigits = regexp.MustCompile(`^[^\s]*[0-9][^\s]*$`)

	strictForm = map[string]*regexp.Regexp{
		"Debian": dpkgForm, "Ubuntu": dpkgForm,
		"Red Hat": rpmForm, "AlmaLinux": rpmForm, "Rocky Linux": rpmForm, "SUSE": rpmForm,
		"openSUSE": rpmForm, "Mageia": rpmForm, "openEuler": rpmForm,
		"Maven": anyDigits, "NuGet": anyDigits, "RubyGems": anyDigits, "Packagist": anyDigits,
	}
)

// looksSemver accepts "1", "1.2.3", "v1.2.3-rc.1+meta".
func looksSemver(v string) bool {
	v = strings.TrimPrefix(v, "v")
	return v != "" && v[0] >= '0' && v[0] <= '9'
}

// event is one parsed range event.
type event struct {
	kind string // "introduced", "fixed", "last_affected", "limit"
	raw  string
	v    semantic.Version // nil for introduced "0": before every version
}

// rangeResult is what one range says about one installed version.
type rangeResult struct {
	affected bool
	// fixed is the first fixed event above the installed version, "" if none.
	fixed string
}

// evalRange applies the OSV evaluation algorithm to one ECOSYSTEM or SEMVER
// range: limits first, then the events in version order, where introduced
// turns the vulnerability on and fixed or passing last_affected turn it off.
func (vs *versions) evalRange(r *vulndb.Range, eco string, installed semantic.Version) (rangeResult, error) {
	evs, err := vs.sortedEvents(r, eco)
	if err != nil {
		return rangeResult{}, err
	}
	var cmpErr error
	cmp := func(a, b semantic.Version) int {
		c, err := a.Compare(b)
		if err != nil && cmpErr == nil {
			cmpErr = err
		}
		return c
	}
	// The implicit "*" limit holds when a range has no limit events.
	before, hasLimit := false, false
	for _, e := range evs {
		switch e.kind {
		case "nolimit":
			hasLimit, before = true, true
		case "limit":
			hasLimit = true
			if cmp(installed, e.v) < 0 {
				before = true
			}
		}
	}
	if hasLimit && !before {
		return rangeResult{}, cmpErr
	}
	var res rangeResult
	for _, e := range evs {
		switch e.kind {
		case "introduced":
			if e.v == nil || cmp(installed, e.v) >= 0 {
				res.affected = true
			}
		case "fixed":
			if cmp(installed, e.v) >= 0 {
				res.affected = false
			} else if res.affected && res.fixed == "" {
				res.fixed = e.raw
			}
		case "last_affected":
			if cmp(installed, e.v) > 0 {
				res.affected = false
			}
		}
	}
	if !res.affected {
		res.fixed = ""
	}
	return res, cmpErr
}

type sorted struct {
	evs []event
	err error
}

// sortedEvents parses and sorts a range's events once per scan: many
// packages (every binary of one Debian source) ask about the same range.
func (vs *versions) sortedEvents(r *vulndb.Range, eco string) ([]event, error) {
	if s, ok := vs.ranges[r]; ok {
		return s.evs, s.err
	}
	evs := make([]event, 0, len(r.Events))
	var err error
	for _, e := range r.Events {
		ev, perr := vs.event(r.Type, eco, e)
		if perr != nil {
			err = perr
			break
		}
		evs = append(evs, ev)
	}
	if err == nil {
		slices.SortStableFunc(evs, func(a, b event) int {
			switch {
			case a.v == nil && b.v == nil:
				return 0
			case a.v == nil:
				return -1
			case b.v == nil:
				return 1
			}
			c, cerr := a.v.Compare(b.v)
			if cerr != nil && err == nil {
				err = cerr
			}
			return c
		})
	}
	vs.ranges[r] = sorted{evs, err}
	return evs, err
}

func (vs *versions) event(rangeType, eco string, e vulndb.Event) (event, error) {
	var ev event
	switch {
	case e.Introduced != "":
		ev = event{kind: "introduced", raw: e.Introduced}
		if e.Introduced == "0" {
			return ev, nil
		}
	case e.Fixed != "":
		ev = event{kind: "fixed", raw: e.Fixed}
	case e.LastAffected != "":
		ev = event{kind: "last_affected", raw: e.LastAffected}
	case e.Limit != "":
		ev = event{kind: "limit", raw: e.Limit}
		if e.Limit == "*" {
			// "*" is the explicit form of the implicit unbounded limit.
			return event{kind: "nolimit"}, nil
		}
	default:
		return ev, fmt.Errorf("a range event with no version: %w", errNotAVersion)
	}
	v, err := vs.parse(rangeType, eco, ev.raw)
	if err != nil {
		return ev, fmt.Errorf("%s %q: %w", ev.kind, ev.raw, err)
	}
	ev.v = v
	return ev, nil
}
