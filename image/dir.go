package image

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// dirImage is an unpacked root filesystem: one layer, no manifest, no
// config.
type dirImage struct {
	source string
	layer  *dirLayer
}

var _ Image = (*dirImage)(nil)

func (i *dirImage) Source() string       { return i.source }
func (i *dirImage) Name() string         { return "" }
func (i *dirImage) Digest() string       { return "" }
func (i *dirImage) ConfigDigest() string { return "" }
func (i *dirImage) Platform() string     { return "" }
func (i *dirImage) Created() time.Time   { return time.Time{} }
func (i *dirImage) Layers() []Layer      { return []Layer{i.layer} }

// dirLayer walks a directory tree as if it were a layer. DiffID is "": the
// tree is not content-addressed and may change, so it must not be cached.
// Names are not decoded: a ".wh." file in a root filesystem is a file.
type dirLayer struct {
	source string
	root   string
	limits Limits
}

var _ Layer = (*dirLayer)(nil)

func (l *dirLayer) Index() int        { return 0 }
func (l *dirLayer) DiffID() string    { return "" }
func (l *dirLayer) Digest() string    { return "" }
func (l *dirLayer) Size() int64       { return 0 }
func (l *dirLayer) CreatedBy() string { return "" }

func openDir(source, dir string, o *options) (Image, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, imageErr(source, "%w", err)
	}
	// The root itself may be a symlink the user chose; nothing below it is
	// followed.
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, imageErr(source, "%w", err)
	}
	if !fi.IsDir() {
		return nil, imageErr(source, "%s is not a directory", dir)
	}
	return &dirImage{source: source, layer: &dirLayer{source: source, root: abs, limits: o.limits}}, nil
}

// Walk visits the tree in lexical order with lstat semantics. Files are
// opened through an os.Root, so that even a file swapped for a symlink
// while walking cannot be read from outside the tree.
func (l *dirLayer) Walk(ctx context.Context, fn WalkFunc) error {
	root, err := os.OpenRoot(l.root)
	if err != nil {
		return l.fail(err)
	}
	defer root.Close()
	fsys := root.FS()
	n := 0
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if err != nil {
			return &layerFailure{err}
		}
		if p == "." {
			return nil
		}
		if n++; n > l.limits.MaxEntries {
			return &layerFailure{fmt.Errorf("%w: more than %d entries", ErrLimit, l.limits.MaxEntries)}
		}
		info, err := d.Info()
		if err != nil {
			return &layerFailure{err}
		}
		e := &Entry{Path: p, Mode: info.Mode(), ModTime: info.ModTime()}
		var fr *dirFileReader
		switch t := d.Type(); {
		case t.IsRegular():
			e.Type, e.Size = TypeFile, info.Size()
			fr = &dirFileReader{fsys: fsys, entryReader: entryReader{path: p, size: e.Size, limit: l.limits.MaxFileSize}}
			e.Reader = fr
		case t.IsDir():
			e.Type = TypeDir
		case t&fs.ModeSymlink != 0:
			e.Type = TypeSymlink
			if e.Linkname, err = fs.ReadLink(fsys, p); err != nil {
				return &layerFailure{err}
			}
		default:
			e.Type = TypeOther
		}
		err = fn(e)
		if fr != nil {
			fr.close()
		}
		if errors.Is(err, SkipLayer) {
			return fs.SkipAll
		}
		return err
	})
	var lf *layerFailure
	if errors.As(err, &lf) {
		return l.fail(lf.err)
	}
	return err
}

func (l *dirLayer) fail(err error) error {
	return &LayerError{Image: l.source, Index: 0, Err: err}
}

// dirFileReader opens its file on the first read, so that entries nobody
// reads cost no open.
type dirFileReader struct {
	entryReader
	fsys fs.FS
	f    fs.File
}

func (r *dirFileReader) Read(p []byte) (int, error) {
	if r.f == nil && !r.done && r.size <= r.limit {
		f, err := r.fsys.Open(r.path)
		if err != nil {
			return 0, err
		}
		r.f = f
		// A file that grew since it was listed is read only as far as
		// its listed size.
		r.r = io.LimitReader(f, r.size)
	}
	return r.entryReader.Read(p)
}

func (r *dirFileReader) close() {
	r.done = true
	if r.f != nil {
		r.f.Close()
	}
}
