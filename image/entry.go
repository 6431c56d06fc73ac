package image

import (
	"archive/tar"
	"fmt"
	"path"
	"strings"
)

// Whiteout names as the OCI image spec and overlayfs-era Docker write them.
const (
	whiteoutPrefix = ".wh."
	whiteoutMeta   = ".wh..wh." // aufs bookkeeping; only ".wh..wh..opq" means anything
	whiteoutOpaque = ".wh..wh..opq"
)

// cleanPath makes a tar name relative to the image root and clean. escapes
// reports a name whose ".." elements climb out of the root: such an entry is
// refused rather than clamped, since no honest builder writes one.
func cleanPath(name string) (p string, escapes bool) {
	p = path.Clean(strings.TrimLeft(name, "/"))
	return p, p == ".." || strings.HasPrefix(p, "../")
}

// entryOf turns a tar header into an Entry, decoding whiteouts and refusing
// unsafe names. ok is false for headers that are not entries: the root
// directory itself and pax global headers.
func entryOf(h *tar.Header) (e *Entry, ok bool) {
	if h.Typeflag == tar.TypeXGlobalHeader {
		return nil, false
	}
	p, escapes := cleanPath(h.Name)
	e = &Entry{Path: p, Mode: h.FileInfo().Mode(), ModTime: h.ModTime}
	if escapes {
		e = skipped(e, h, "name leaves the image root")
		e.Escapes = true
		return e, true
	}
	dir, base := path.Split(p)
	dir = path.Clean(dir)
	switch {
	case base == whiteoutOpaque:
		e.Path, e.Type, e.Mode = dir, TypeOpaque, 0
		return e, true
	case strings.HasPrefix(base, whiteoutMeta):
		return skipped(e, h, "aufs metadata, not a file"), true
	case strings.HasPrefix(base, whiteoutPrefix):
		target := base[len(whiteoutPrefix):]
		if target == "" || target == "." || target == ".." {
			return skipped(e, h, "whiteout names no file"), true
		}
		e.Path, e.Type, e.Mode = path.Join(dir, target), TypeWhiteout, 0
		return e, true
	}
	switch h.Typeflag {
	case tar.TypeReg, '\x00', tar.TypeCont, tar.TypeGNUSparse:
		if p == "." {
			return skipped(e, h, "a regular file cannot be the root"), true
		}
		e.Type, e.Size = TypeFile, h.Size
	case tar.TypeDir:
		if p == "." {
			return nil, false
		}
		e.Type = TypeDir
	case tar.TypeSymlink:
		// Recorded as is: resolving it is the reader's business, within
		// the image.
		e.Type, e.Linkname = TypeSymlink, h.Linkname
	case tar.TypeLink:
		target, escapes := cleanPath(h.Linkname)
		if escapes || target == "." || h.Linkname == "" {
			e = skipped(e, h, fmt.Sprintf("hard link to %q is outside the image", h.Linkname))
			e.Escapes = escapes
			return e, true
		}
		e.Type, e.Linkname = TypeHardlink, target
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		e.Type = TypeOther
	default:
		return skipped(e, h, fmt.Sprintf("unsupported tar entry type %q", h.Typeflag)), true
	}
	return e, true
}

// skipped marks e as refused, with a reason that names the entry as the
// archive recorded it.
func skipped(e *Entry, h *tar.Header, why string) *Entry {
	e.Type = TypeSkipped
	e.Size, e.Linkname = 0, ""
	e.Reason = fmt.Sprintf("tar entry %q: %s", h.Name, why)
	return e
}
