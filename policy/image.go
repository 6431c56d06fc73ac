package policy

// This file holds the checks about the image itself rather than its
// findings: which registry it comes from and how old it is.

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/drydock/drydock/inventory"
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

// parseAge reads a maximum age: whole days ("90d"), weeks ("2w"), or a Go
// duration for shorter spans ("36h"). It must be positive.
func parseAge(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var d time.Duration
	var err error
	switch {
	case strings.HasSuffix(s, "d"), strings.HasSuffix(s, "w"):
		unit := 24 * time.Hour
		if strings.HasSuffix(s, "w") {
			unit *= 7
		}
		n, perr := strconv.ParseInt(s[:len(s)-1], 10, 32)
		if perr != nil {
			err = perr
			break
		}
		d = time.Duration(n) * unit
	default:
		d, err = time.ParseDuration(s)
	}
	if err != nil || d <= 0 {
		return 0, detail(ErrInvalidValue, "max age %q is not a positive number of days (90d), weeks (2w) or hours (36h)", s)
	}
	return d, nil
}

// formatAge writes an age in whole days, rounded down, or hours under a day.
func formatAge(d time.Duration) string {
	if d < 24*time.Hour {
		return strconv.Itoa(int(d/time.Hour)) + "h"
	}
	return strconv.Itoa(int(d/(24*time.Hour))) + "d"
}

func (p *Policy) checkRegistry(v *Verdict, inv *inventory.Inventory) {
	if len(p.registries) == 0 {
		return
	}
	switch {
	case inv.Name == "":
		v.Reasons = append(v.Reasons, Reason{Rule: RuleRegistries, Message: fmt.Sprintf("image %s has no registry name to check against the allowed registries", describeImage(inv))})
	case !registryAllowed(p.registries, inv.Name):
		v.Reasons = append(v.Reasons, Reason{Rule: RuleRegistries, Message: fmt.Sprintf("image %s is not from an allowed registry", normalizeName(inv.Name)), IDs: []string{normalizeName(inv.Name)}})
	}
}

func (p *Policy) checkAge(v *Verdict, inv *inventory.Inventory, now time.Time) {
	if p.maxAge == 0 {
		return
	}
	if inv.Created == nil || inv.Created.IsZero() {
		v.Reasons = append(v.Reasons, Reason{Rule: RuleMaxAge, Message: fmt.Sprintf("image %s states no creation time, so its age (max %s) cannot be checked", describeImage(inv), p.maxAgeText)})
		return
	}
	age := now.Sub(*inv.Created)
	if age > p.maxAge {
		v.Reasons = append(v.Reasons, Reason{Rule: RuleMaxAge, Message: fmt.Sprintf("image was created %s (%s ago), older than the maximum age of %s", inv.Created.UTC().Format(time.RFC3339), formatAge(age), p.maxAgeText)})
	}
}

func describeImage(inv *inventory.Inventory) string {
	switch {
	case inv.Digest != "":
		return inv.Digest
	case inv.Source != "":
		return inv.Source
	}
	return "(unnamed)"
}
