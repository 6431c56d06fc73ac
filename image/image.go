// Package image opens container images from every place drydock reads them
// (a docker-archive file, an OCI layout folder or archive, an unpacked root
// filesystem, a registry) and walks their layers, bottom first, as streams
// of tar entries that have been checked and bounded: image content is
// hostile data.
//
// Nothing here writes to disk or resolves links; a walker sees each layer's
// entries exactly as the layer records them, whiteouts included, and decides
// what to do with them.
package image

import (
	"context"
	"io"
	"io/fs"
	"time"
)

// Image is an opened image with its layers in order, bottom first.
type Image interface {
	// Source is the reference as the user gave it, transport included.
	Source() string
	// Name is the repository name, without transport, tag or digest; "" for dir:.
	Name() string
	// Digest is the manifest digest; "" where there is no manifest (dir:).
	Digest() string
	// ConfigDigest is the config blob digest; "" where there is none.
	ConfigDigest() string
	// Platform is "os/arch[/variant]" of the image; "" where unknown.
	Platform() string
	// Created is the creation time from the config; zero where not stated.
	Created() time.Time
	// Layers returns the filesystem layers, bottom first.
	Layers() []Layer
}

// Layer is one filesystem layer.
type Layer interface {
	// Index is the layer's position, 0 for the bottom layer.
	Index() int
	// DiffID is the digest of the uncompressed tar ("sha256:…"). It is ""
	// for dir: sources, whose tree can change between walks: "" tells a
	// cache keyed by DiffID not to cache the layer.
	DiffID() string
	// Digest is the stored (compressed) blob digest; "" where unknown.
	Digest() string
	// Size is the stored blob size; 0 where unknown.
	Size() int64
	// CreatedBy is the history entry's created_by for this layer.
	CreatedBy() string
	// Walk calls fn for each entry of the layer in archive order. Content of
	// regular files is readable from Entry.Reader only during the call.
	// Returning SkipLayer from fn stops the walk without an error and
	// without verifying the layer's digests (the rest was never read). Any
	// other error from fn stops the walk and is returned as is. Errors from
	// the layer itself (corrupt data, a digest mismatch, a limit passed) are
	// *LayerError. Entries stream: the digests are compared when the layer
	// ends, so whatever fn learnt from a walk that returned an error must be
	// thrown away. The root directory itself is not reported.
	Walk(ctx context.Context, fn WalkFunc) error
}

// WalkFunc is called for each entry of a layer.
type WalkFunc func(e *Entry) error

// EntryType says what a tar entry is, whiteouts decoded.
type EntryType int

const (
	TypeFile     EntryType = iota // a regular file; content in Reader
	TypeDir                       // a directory
	TypeSymlink                   // a symbolic link; target in Linkname (not resolved)
	TypeHardlink                  // a hard link to Linkname, a path in the same image
	TypeWhiteout                  // Path was deleted by this layer (".wh.NAME")
	TypeOpaque                    // Path is an opaque directory: everything below it from lower layers is gone (".wh..wh..opq")
	TypeOther                     // device, fifo, …: reported so that it hides a lower file, never read
	TypeSkipped                   // an unsafe or unsupported entry, not followed; Reason says why
)

// Entry is one checked entry of a layer.
type Entry struct {
	// Path is clean, slash-separated and relative to the image root, with no
	// leading "/" and no ".." element; for whiteouts it is the deleted path.
	Path string
	Type EntryType
	// Linkname is the link target for TypeSymlink (as recorded) and
	// TypeHardlink (cleaned, relative to the image root).
	Linkname string
	Size     int64
	Mode     fs.FileMode
	ModTime  time.Time
	// Reader reads the content of a TypeFile entry; nil otherwise. It fails
	// with ErrTooLarge past the configured per-file limit.
	Reader io.Reader
	// Reason says why a TypeSkipped entry was refused, naming the entry.
	Reason string
	// Escapes marks a TypeSkipped entry that tries to reach outside the
	// image: a name or a hard link climbing out of the root. No honest
	// builder writes one, so it is a fact about the image's integrity, not
	// merely an entry that could not be read.
	Escapes bool
}
