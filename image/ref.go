package image

import (
	"errors"
	"fmt"
	"strings"
)

// Transports drydock opens images from, as the prefix of a reference.
const (
	transportArchive  = "docker-archive"
	transportLayout   = "oci"
	transportDir      = "dir"
	transportRegistry = "docker" // the default; also spelt "docker://"
)

// otherTransports are names other tools use (skopeo, podman, buildah) that
// drydock does not read: naming them gives a clear error rather than a
// confusing "not a valid registry reference".
var otherTransports = []string{
	"containers-storage", "docker-daemon", "oci-archive", "ostree", "sif",
	"tarball", "file", "http", "https",
}

// parsedRef is a reference split into its transport and what follows.
type parsedRef struct {
	transport string
	// path is the file or directory of docker-archive, oci and dir; for
	// docker-archive it may still carry a ":TAG" suffix, which only the
	// file system can tell apart from a colon in the file name.
	path string
	tag  string // oci's tag, "" for none
	ref  string // the registry reference, for the registry transport
}

// errRef is wrapped by every reference error, for errors.Is.
var errRef = errors.New("bad image reference")

// parseRef splits ref without touching the file system or the network.
func parseRef(ref string) (parsedRef, error) {
	if strings.TrimSpace(ref) == "" {
		return parsedRef{}, fmt.Errorf("%w: empty", errRef)
	}
	if strings.ContainsAny(ref, "\x00\n\r") {
		return parsedRef{}, fmt.Errorf("%w: control characters", errRef)
	}
	if rest, ok := strings.CutPrefix(ref, "docker://"); ok {
		return parsedRef{transport: transportRegistry, ref: rest}, nil
	}
	prefix, rest, found := strings.Cut(ref, ":")
	if !found {
		return parsedRef{transport: transportRegistry, ref: ref}, nil
	}
	switch prefix {
	case transportArchive:
		if rest == "" {
			return parsedRef{}, fmt.Errorf("%w: docker-archive: needs a file", errRef)
		}
		return parsedRef{transport: transportArchive, path: rest}, nil
	case transportDir:
		if rest == "" {
			return parsedRef{}, fmt.Errorf("%w: dir: needs a directory", errRef)
		}
		return parsedRef{transport: transportDir, path: rest}, nil
	case transportLayout:
		p := parsedRef{transport: transportLayout, path: rest}
		// oci:DIR:TAG: a colon after the last slash starts the tag, so
		// that DIR may itself hold colons.
		if i := strings.LastIndex(rest, ":"); i > strings.LastIndex(rest, "/") {
			p.path, p.tag = rest[:i], rest[i+1:]
			if p.tag == "" {
				return parsedRef{}, fmt.Errorf("%w: empty tag after %q", errRef, "oci:"+p.path+":")
			}
		}
		if p.path == "" {
			return parsedRef{}, fmt.Errorf("%w: oci: needs a directory", errRef)
		}
		return p, nil
	}
	if prefix == "sbom" {
		return parsedRef{}, fmt.Errorf("%w: an sbom: reference is a document, not an image; package sbom reads it", errRef)
	}
	for _, t := range otherTransports {
		if prefix == t {
			return parsedRef{}, fmt.Errorf("%w: unknown transport %q (drydock reads docker-archive:, oci:, dir: and registry references)", errRef, prefix)
		}
	}
	// "ubuntu:22.04", "localhost:5000/app": a registry reference, which
	// name.ParseReference judges when the image is opened.
	return parsedRef{transport: transportRegistry, ref: ref}, nil
}
