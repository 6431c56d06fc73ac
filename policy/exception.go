package policy

import (
	"fmt"
	"strings"
	"time"

	"github.com/openvex/go-vex/pkg/vex"
	"github.com/package-url/packageurl-go"
	"gopkg.in/yaml.v3"

	"github.com/drydock/drydock/match"
)

// exception is an accepted risk: one vulnerability, optionally in one
// package, with a reason someone wrote down and a date it must be looked at
// again. It suppresses matching findings until it expires.
type exception struct {
	id      string
	pkg     string
	purl    string
	reason  string
	expires time.Time // the first instant at which it no longer applies
	until   string    // as written, for notes
}

// dateLayout is how an expiry date is written; a date means "through the end
// of that day in UTC", so an exception that expires 2026-06-30 still applies
// at 23:59:59 UTC that day and stops at 2026-07-01T00:00:00Z.
const dateLayout = "2006-01-02"

func buildExceptions(specs []exceptionSpec, file string, root *yaml.Node) ([]exception, error) {
	out := make([]exception, 0, len(specs))
	for i, s := range specs {
		field := fmt.Sprintf("exceptions[%d]", i)
		bad := func(key string, err error) error {
			return &LoadError{File: file, Line: lineOf(s.node, key), Field: join(field, key), Err: err}
		}
		e := exception{
			id:     strings.TrimSpace(s.ID),
			pkg:    strings.TrimSpace(s.Package),
			purl:   strings.TrimSpace(s.PURL),
			reason: strings.TrimSpace(s.Reason),
			until:  strings.TrimSpace(s.Expires),
		}
		if e.id == "" {
			return nil, bad("id", detail(ErrMissingField, "an exception names the vulnerability ID (or alias) it accepts"))
		}
		if e.reason == "" {
			return nil, bad("reason", detail(ErrMissingField, "exception for %s has no reason; say why the risk is accepted", e.id))
		}
		if e.until == "" {
			return nil, bad("expires", detail(ErrMissingField, "exception for %s has no expiry date (YYYY-MM-DD)", e.id))
		}
		var err error
		if e.expires, err = parseExpiry(e.until); err != nil {
			return nil, bad("expires", err)
		}
		if e.purl != "" {
			if _, err := packageurl.FromString(e.purl); err != nil {
				return nil, bad("purl", detail(ErrInvalidValue, "%q is not a package URL: %v", e.purl, err))
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// parseExpiry reads a date (through the end of that UTC day) or an RFC 3339
// instant (up to that instant).
func parseExpiry(s string) (time.Time, error) {
	if d, err := time.Parse(dateLayout, s); err == nil {
		return d.AddDate(0, 0, 1), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, detail(ErrInvalidValue, "expiry %q is neither a date (YYYY-MM-DD) nor an RFC 3339 time", s)
}

// expired reports whether the exception no longer applies at now.
func (e *exception) expired(now time.Time) bool { return !now.Before(e.expires) }

// matches reports whether the exception is about finding f, ignoring expiry.
func (e *exception) matches(f *match.Finding) bool {
	if !hasID(f, e.id) {
		return false
	}
	if e.pkg != "" && e.pkg != f.Package.Name && e.pkg != f.Package.SourceName {
		return false
	}
	if e.purl != "" && !vex.PurlMatches(e.purl, f.Package.PURL) {
		return false
	}
	return true
}

// describe names the exception in notes.
func (e *exception) describe() string {
	s := e.id
	if e.pkg != "" {
		s += " in " + e.pkg
	}
	if e.purl != "" {
		s += " in " + e.purl
	}
	return s
}

// hasID reports whether id is the finding's ID or one of its aliases.
// Comparison ignores case: "cve-2024-1" and "CVE-2024-1" are one advisory.
func hasID(f *match.Finding, id string) bool {
	if strings.EqualFold(f.ID, id) {
		return true
	}
	for _, a := range f.IDs {
		if strings.EqualFold(a, id) {
			return true
		}
	}
	return false
}
