package image

import (
	"errors"
	"fmt"
)

// SkipLayer is returned by a WalkFunc to stop walking the current layer.
// Walk then returns nil without reading the rest of the layer, so the
// layer's digests are not verified: use it only when what was already seen
// is all that is needed.
//
//lint:ignore ST1012 named like fs.SkipDir: a signal to the walker, not a failure
var SkipLayer = errors.New("image: skip the rest of the layer")

// ErrTooLarge is the error from Entry.Reader for a file bigger than the
// per-file limit (Limits.MaxFileSize). Only that entry is refused; the walk
// goes on.
var ErrTooLarge = errors.New("image: file over the size limit")

// ErrLimit is wrapped by a LayerError when a layer passes one of the Limits
// (entries, uncompressed bytes, decompression ratio).
var ErrLimit = errors.New("image: layer over a limit")

// ErrDigestMismatch is wrapped by a LayerError when a layer's content does
// not hash to the digest the image claims for it.
var ErrDigestMismatch = errors.New("image: digest mismatch")

// LayerError is an error in the data of one layer: a truncated or corrupt
// stream, a digest that does not match, a limit that was passed. It is bad
// input (InvalidInput).
type LayerError struct {
	Image  string // the image's Source
	Index  int    // the layer's index, 0 for the bottom layer
	DiffID string // the layer's DiffID, "" where there is none
	Err    error
}

func (e *LayerError) Error() string {
	id := ""
	if e.DiffID != "" {
		id = " (" + e.DiffID + ")"
	}
	return fmt.Sprintf("image %s: layer %d%s: %v", e.Image, e.Index, id, e.Err)
}

func (e *LayerError) Unwrap() error { return e.Err }

// InvalidInput reports true: a broken layer is bad input.
func (e *LayerError) InvalidInput() bool { return true }

// ImageError is an error about an image as a whole: a reference that does
// not parse, a transport drydock does not know, a config that is not JSON,
// a platform the index does not have, a tag that is not there. It is bad
// input or bad usage (InvalidInput).
type ImageError struct {
	Image string // the reference as the user gave it
	Err   error
}

func (e *ImageError) Error() string { return fmt.Sprintf("image %s: %v", e.Image, e.Err) }

func (e *ImageError) Unwrap() error { return e.Err }

// InvalidInput reports true: a bad reference or a malformed image is bad input.
func (e *ImageError) InvalidInput() bool { return true }

// imageErr wraps err as an *ImageError about ref, formatted with the rest.
func imageErr(ref string, format string, args ...any) error {
	return &ImageError{Image: ref, Err: fmt.Errorf(format, args...)}
}
