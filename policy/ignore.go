package policy

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/package-url/packageurl-go"
)

// IgnoreFileName is the ignore file read from the working directory when
// none is named.
const IgnoreFileName = ".drydockignore"

// maxIgnoreSize bounds an ignore file; real ones are a few kilobytes.
const maxIgnoreSize = 1 << 20

// IgnoreEntry is one line of an ignore file: a lighter form of a policy
// exception, whose package, expiry and reason are optional.
type IgnoreEntry struct {
	// ID is the vulnerability ID or any alias.
	ID string
	// Package is a binary or source package name, PURL a package URL; at
	// most one is set, and none means every package.
	Package, PURL string
	// Expires is the date or time as written; "" never expires.
	Expires string
	// Reason is the comment after "#", if any.
	Reason string
	// Line is the entry's line in the file.
	Line int

	expires time.Time
}

// Expired reports whether the entry no longer applies at now.
func (e *IgnoreEntry) Expired(now time.Time) bool {
	return e.Expires != "" && !now.Before(e.expires)
}

// IgnoreFile is a parsed ignore file.
type IgnoreFile struct {
	Path    string
	Entries []IgnoreEntry
}

// LoadIgnoreFile reads an ignore file: one vulnerability ID a line, then
// optionally a package (package=NAME, or a package URL pkg:…), an expiry
// (expires=YYYY-MM-DD or an RFC 3339 time; exp:DATE as Trivy writes it), and
// "# reason". Blank lines and lines starting with "#" are comments. A
// mistake is a *LoadError naming the line.
func LoadIgnoreFile(path string) (*IgnoreFile, error) {
	data, err := readRegular(path, maxIgnoreSize)
	if err != nil {
		return nil, &LoadError{File: path, Err: fmt.Errorf("policy: cannot read ignore file: %w", err)}
	}
	f := &IgnoreFile{Path: path}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		e, err := parseIgnoreLine(line)
		if err != nil {
			return nil, &LoadError{File: path, Line: n, Err: err}
		}
		e.Line = n
		f.Entries = append(f.Entries, e)
	}
	if err := sc.Err(); err != nil {
		return nil, &LoadError{File: path, Err: detail(ErrSyntax, "%v", err)}
	}
	return f, nil
}

func parseIgnoreLine(line string) (IgnoreEntry, error) {
	var e IgnoreEntry
	if body, reason, ok := strings.Cut(line, "#"); ok {
		line, e.Reason = strings.TrimSpace(body), strings.TrimSpace(reason)
	}
	fields := strings.Fields(line)
	e.ID = fields[0]
	for _, tok := range fields[1:] {
		switch {
		case strings.HasPrefix(tok, "pkg:"):
			if _, err := packageurl.FromString(tok); err != nil {
				return e, detail(ErrInvalidValue, "%q is not a package URL: %v", tok, err)
			}
			e.PURL = tok
		case strings.HasPrefix(tok, "package="):
			e.Package = strings.TrimPrefix(tok, "package=")
		case strings.HasPrefix(tok, "expires="), strings.HasPrefix(tok, "exp:"):
			e.Expires = tok[strings.IndexAny(tok, "=:")+1:]
			t, err := parseExpiry(e.Expires)
			if err != nil {
				return e, err
			}
			e.expires = t
		default:
			return e, detail(ErrSyntax, "%q: want package=NAME, pkg:PURL, expires=DATE or # reason after the ID", tok)
		}
	}
	if e.Package != "" && e.PURL != "" {
		return e, detail(ErrInvalidValue, "%s names both package= and a package URL; give one", e.ID)
	}
	if e.Package == "" && strings.Contains(line, "package=") {
		return e, detail(ErrMissingField, "package= needs a name")
	}
	return e, nil
}

// WithIgnoreFile adds the entries of an ignore file as exceptions: they
// suppress matching findings, and an expired one is noted in the verdict
// and suppresses nothing, as an expired exception. Default: none.
func WithIgnoreFile(f *IgnoreFile) Option {
	return func(s *settings) error {
		if f == nil {
			return &LoadError{Field: "--ignorefile", Err: detail(ErrInvalidOption, "no ignore file")}
		}
		for _, e := range f.Entries {
			x := exception{id: e.ID, pkg: e.Package, purl: e.PURL, reason: e.Reason, until: e.Expires, expires: e.expires}
			if x.reason == "" {
				x.reason = fmt.Sprintf("listed in %s:%d", f.Path, e.Line)
			}
			if e.Expires == "" {
				x.until, x.expires = "never", farFuture
			}
			s.ignores = append(s.ignores, x)
		}
		return nil
	}
}

// farFuture is the expiry of an ignore entry that names none.
var farFuture = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
