package policy

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// buildRegistries checks and normalises registries.allowed. An entry is a
// registry host ("registry.local:5000") or a repository prefix
// ("ghcr.io/acme"); it matches at path-segment boundaries only, so
// "ghcr.io/acme" allows "ghcr.io/acme/app" but not "ghcr.io/acme-evil/app".
func buildRegistries(allowed []string, file string, root *yaml.Node) ([]string, error) {
	out := make([]string, 0, len(allowed))
	for i, a := range allowed {
		field := fmt.Sprintf("registries.allowed[%d]", i)
		line := 0
		if seq := lookup(root, "registries", "allowed"); seq != nil && i < len(seq.Content) {
			line = seq.Content[i].Line
		}
		a = strings.TrimSpace(a)
		switch {
		case a == "":
			return nil, &LoadError{File: file, Line: line, Field: field, Err: detail(ErrInvalidValue, "empty registry")}
		case strings.Contains(a, "://"):
			return nil, &LoadError{File: file, Line: line, Field: field, Err: detail(ErrInvalidValue, "%q: write the registry host without a scheme", a)}
		case strings.ContainsAny(a, "@ \t*"):
			return nil, &LoadError{File: file, Line: line, Field: field, Err: detail(ErrInvalidValue, "%q: write a host or repository prefix, without tag, digest or wildcard", a)}
		}
		out = append(out, normalizeName(strings.TrimSuffix(a, "/")))
	}
	return out, nil
}

// normalizeName spells an image name the way a registry sees it: Docker Hub
// short names gain "docker.io/" (and "library/" for official images), so a
// policy that allows only "registry.local" cannot be passed by "alpine".
func normalizeName(name string) string {
	first, rest, hasSlash := strings.Cut(name, "/")
	if first == "index.docker.io" || first == "registry-1.docker.io" {
		return "docker.io/" + rest
	}
	isHost := strings.ContainsAny(first, ".:") || first == "localhost"
	switch {
	case !hasSlash && !isHost:
		return "docker.io/library/" + name
	case hasSlash && !isHost:
		return "docker.io/" + name
	}
	return name
}

// registryAllowed reports whether the image name lies under one of the
// allowed prefixes.
func registryAllowed(allowed []string, name string) bool {
	n := normalizeName(name)
	for _, a := range allowed {
		if n == a || strings.HasPrefix(n, a+"/") {
			return true
		}
	}
	return false
}
