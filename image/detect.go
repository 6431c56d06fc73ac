package image

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Kind is what a local file or folder given without a transport holds.
type Kind int

const (
	KindNone          Kind = iota // not on the file system
	KindDockerArchive             // a tar with manifest.json, as `docker save` writes
	KindOCILayout                 // a folder with an oci-layout file
	KindOCIArchive                // a tar of an OCI layout (oci-layout and index.json, no manifest.json)
	KindRootFS                    // any other folder: an unpacked root filesystem
	KindSBOM                      // a JSON document: an SBOM for package sbom to read
)

// Prefixes is what a user may put before an image reference, for messages
// that must say which ones exist.
const Prefixes = "docker-archive:FILE, oci:DIR[:TAG], oci-archive:FILE, dir:ROOTFS, sbom:FILE, " +
	"or a registry reference such as registry.example.com/team/app:1.0"

// maxDetectEntries bounds how many tar headers Detect reads looking for
// manifest.json or oci-layout; both sit near the start of real archives.
const maxDetectEntries = 10_000

// Detect says what the file or folder at p holds, as Grype and Syft do for
// a path given without a scheme: KindNone when nothing is there. A file
// that is neither a tar of an image nor JSON is an *ImageError naming the
// prefixes drydock reads.
func Detect(p string) (Kind, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return KindNone, nil
	}
	if fi.IsDir() {
		// The image layout spec requires the oci-layout file; a root
		// filesystem never has one at its top.
		if st, err := os.Stat(filepath.Join(p, "oci-layout")); err == nil && st.Mode().IsRegular() {
			return KindOCILayout, nil
		}
		return KindRootFS, nil
	}
	if !fi.Mode().IsRegular() {
		return KindNone, imageErr(p, "%s is neither a regular file nor a folder", p)
	}
	f, err := os.Open(p)
	if err != nil {
		return KindNone, imageErr(p, "%w", err)
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	switch {
	case bytes.HasPrefix(bytes.TrimLeft(head, " \t\r\n\ufeff"), []byte("{")):
		return KindSBOM, nil
	case bytes.HasPrefix(head, gzipMagic), bytes.HasPrefix(head, zstdMagic):
		return KindNone, imageErr(p, "%s is compressed: decompress it first (drydock reads docker and OCI archives as plain tar)", p)
	case n < 512 || !bytes.HasPrefix(head[257:], []byte("ustar")):
		return KindNone, imageErr(p, "%s is not an image archive nor an SBOM; drydock reads %s", p, Prefixes)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return KindNone, imageErr(p, "%w", err)
	}
	var layout, index bool
	tr := tar.NewReader(f)
	for i := 0; i < maxDetectEntries; i++ {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return KindNone, imageErr(p, "reading the tar: %w", err)
		}
		switch path.Clean(h.Name) {
		case "manifest.json":
			return KindDockerArchive, nil
		case "oci-layout":
			layout = true
		case "index.json":
			index = true
		}
	}
	if layout && index {
		return KindOCIArchive, nil
	}
	return KindNone, imageErr(p, "%s is a tar without manifest.json or oci-layout, so not an image; drydock reads %s", p, Prefixes)
}

// looksLikePath is true for a reference no registry reference looks like:
// a leading "/", "./", "../" or "~", a backslash, or a name ending in .tar
// or .json. Such a reference that names nothing on disk is a missing file,
// not an image on Docker Hub.
func looksLikePath(ref string) bool {
	switch {
	case strings.HasPrefix(ref, "/"), strings.HasPrefix(ref, "./"), strings.HasPrefix(ref, "../"),
		strings.HasPrefix(ref, "~"), ref == ".", ref == "..", strings.Contains(ref, `\`):
		return true
	}
	base := strings.ToLower(ref)
	if i := strings.LastIndexAny(base, "@:"); i > strings.LastIndex(base, "/") {
		// A tag or digest follows: "app.json:1" would be a tag of app.json.
		return false
	}
	for _, ext := range []string{".tar", ".tar.gz", ".tgz", ".json"} {
		if strings.HasSuffix(base, ext) {
			return true
		}
	}
	return false
}

// localRef turns a reference without a transport into one, from what is on
// disk: ok is false when ref names nothing there and may be a registry
// reference.
func localRef(ref string) (p parsedRef, ok bool, err error) {
	kind, err := Detect(ref)
	if err != nil {
		return parsedRef{}, false, err
	}
	switch kind {
	case KindDockerArchive:
		return parsedRef{transport: transportArchive, path: ref}, true, nil
	case KindOCILayout:
		return parsedRef{transport: transportLayout, path: ref}, true, nil
	case KindOCIArchive:
		return parsedRef{transport: transportOCIArchive, path: ref}, true, nil
	case KindRootFS:
		return parsedRef{transport: transportDir, path: ref}, true, nil
	case KindSBOM:
		return parsedRef{}, false, fmt.Errorf("%w: %s is a JSON document, not an image; read it as sbom:%s", errRef, ref, ref)
	}
	if looksLikePath(ref) {
		return parsedRef{}, false, fmt.Errorf("%w: no such file or folder %s; drydock reads %s", errRef, ref, Prefixes)
	}
	return parsedRef{}, false, nil
}
