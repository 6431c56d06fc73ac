package registry

import (
	"regexp"
	"strings"
)

// kind names the resource a request addresses.
type kind int

const (
	kindNone kind = iota
	kindBase
	kindCatalog
	kindTags
	kindManifest
	kindBlob
	kindUploadStart
	kindUpload
	kindReferrers
)

// String is the route label in metrics and logs.
func (k kind) String() string {
	return [...]string{"none", "base", "catalog", "tags", "manifests", "blobs", "uploads", "uploads", "referrers"}[k]
}

// route is a parsed /v2/ path.
type route struct {
	kind kind
	name string // repository
	ref  string // tag, digest or upload id, by kind
}

// The grammar of the distribution spec: path components joined by "/".
var (
	nameRE = regexp.MustCompile(`^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$`)
	tagRE  = regexp.MustCompile(`^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$`)
)

// maxNameLength keeps "<host>/<name>" references within the 255
// characters clients accept.
const maxNameLength = 255

func validName(n string) bool { return len(n) <= maxNameLength && nameRE.MatchString(n) }
func validTag(t string) bool  { return tagRE.MatchString(t) }

// parseRoute splits a path under /v2/. A repository name may hold slashes,
// so the resource is found from the right: the last segment pair decides.
func parseRoute(path string) route {
	if path == "/v2" || path == "/v2/" {
		return route{kind: kindBase}
	}
	rest, ok := strings.CutPrefix(path, "/v2/")
	if !ok {
		return route{}
	}
	if rest == "_catalog" {
		return route{kind: kindCatalog}
	}
	if name, ok := strings.CutSuffix(rest, "/tags/list"); ok {
		return route{kind: kindTags, name: name}
	}
	if name, ok := strings.CutSuffix(rest, "/blobs/uploads/"); ok {
		return route{kind: kindUploadStart, name: name}
	}
	if name, ok := strings.CutSuffix(rest, "/blobs/uploads"); ok {
		return route{kind: kindUploadStart, name: name}
	}
	for _, m := range []struct {
		sep  string
		kind kind
	}{
		{"/blobs/uploads/", kindUpload},
		{"/manifests/", kindManifest},
		{"/referrers/", kindReferrers},
		{"/blobs/", kindBlob},
	} {
		i := strings.LastIndex(rest, m.sep)
		if i <= 0 {
			continue
		}
		ref := rest[i+len(m.sep):]
		if ref == "" || strings.Contains(ref, "/") {
			continue
		}
		return route{kind: m.kind, name: rest[:i], ref: ref}
	}
	return route{}
}
