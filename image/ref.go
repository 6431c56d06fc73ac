package image

import (
	"errors"
	"fmt"
	"strings"
)

// Transports drydock opens images from, as the prefix of a reference.
const (
	transportArchive    = "docker-archive"
	transportLayout     = "oci"
	transportDir        = "dir"
	transportOCIArchive = "oci-archive"
	transportRegistry   = "docker" // the default; also spelt "docker://"
)

// otherTransports are names other tools use (skopeo, podman, buildah) that
// drydock does not read: naming them gives a clear error rather than a
// confusing "not a valid registry reference".
var otherTransports = []string{
	"containers-storage", "docker-daemon", "ostree", "sif",
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

// parseRef splits ref without touching the network. A reference without a
// transport that names a file or folder is that file or folder (see Detect);
// one that looks like a path but names nothing is an error, never a Docker
// Hub reference.
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
	switch prefix {
	case transportArchive, transportDir, transportLayout, transportOCIArchive:
	default:
		if p, ok, err := localRef(ref); ok || err != nil {
			return p, err
		}
	}
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
	case transportLayout, transportOCIArchive:
		p := parsedRef{transport: prefix, path: rest}
		// oci:DIR:TAG: a colon after the last slash starts the tag, so
		// that DIR may itself hold colons.
		if i := strings.LastIndex(rest, ":"); i > strings.LastIndex(rest, "/") {
			p.path, p.tag = rest[:i], rest[i+1:]
			if p.tag == "" {
				return parsedRef{}, fmt.Errorf("%w: empty tag after %q", errRef, "oci:"+p.path+":")
			}
		}
		if p.path == "" {
			return parsedRef{}, fmt.Errorf("%w: %s: needs a path", errRef, prefix)
		}
		return p, nil
	}
	if prefix == "sbom" {
		return parsedRef{}, fmt.Errorf("%w: an sbom: reference is a document, not an image; package sbom reads it", errRef)
	}
	for _, t := range otherTransports {
		if prefix == t {
			return parsedRef{}, fmt.Errorf("%w: unknown transport %q; drydock reads %s", errRef, prefix, Prefixes)
		}
	}
	// "ubuntu:22.04", "localhost:5000/app": a registry reference, which
	// name.ParseReference judges when the image is opened.
	return parsedRef{transport: transportRegistry, ref: ref}, nil
}
