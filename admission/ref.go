package admission

import (
	"fmt"
	"strings"

	"github.com/opencontainers/go-digest"
)

// imageRef is a container image reference split into its parts. Image
// strings come from whoever creates the workload: hostile input.
type imageRef struct {
	Registry string // host[:port]; "docker.io" when none is named
	Repo     string
	Tag      string // "" when only a digest is named
	Digest   digest.Digest
}

// maxImageLen bounds an image reference (Kubernetes itself takes any).
const maxImageLen = 1024

// parseImage splits an image reference the way container runtimes read
// it: the first path component is a registry when it has a dot or a colon
// or is localhost; the tag defaults to latest.
func parseImage(s string) (imageRef, error) {
	var r imageRef
	if s == "" {
		return r, fmt.Errorf("no image named")
	}
	if len(s) > maxImageLen {
		return r, fmt.Errorf("image reference longer than %d characters", maxImageLen)
	}
	if strings.ContainsAny(s, " \t\r\n") {
		return r, fmt.Errorf("image reference %q contains white space", s)
	}
	rest := s
	if at := strings.IndexByte(rest, '@'); at >= 0 {
		d, err := digest.Parse(rest[at+1:])
		if err != nil {
			return r, fmt.Errorf("image reference %q: bad digest: %v", s, err)
		}
		r.Digest, rest = d, rest[:at]
	}
	if slash := strings.IndexByte(rest, '/'); slash > 0 {
		first := rest[:slash]
		if strings.ContainsAny(first, ".:") || first == "localhost" {
			r.Registry, rest = first, rest[slash+1:]
		}
	}
	if r.Registry == "" {
		r.Registry = "docker.io"
	}
	if colon := strings.LastIndexByte(rest, ':'); colon >= 0 {
		r.Tag, rest = rest[colon+1:], rest[:colon]
		if r.Tag == "" {
			return r, fmt.Errorf("image reference %q: empty tag", s)
		}
	}
	if r.Tag == "" && r.Digest == "" {
		r.Tag = "latest"
	}
	if rest == "" || strings.HasPrefix(rest, "/") || strings.HasSuffix(rest, "/") || strings.Contains(rest, "//") {
		return r, fmt.Errorf("image reference %q: bad repository name", s)
	}
	if rest != strings.ToLower(rest) {
		return r, fmt.Errorf("image reference %q: repository names are lower case", s)
	}
	r.Repo = rest
	return r, nil
}

// pinned is the reference by digest that the mutating webhook writes.
func (r imageRef) pinned(d digest.Digest) string {
	return r.Registry + "/" + r.Repo + "@" + d.String()
}

// ref is the tag or digest to look up in the registry.
func (r imageRef) ref() string {
	if r.Digest != "" {
		return r.Digest.String()
	}
	return r.Tag
}
