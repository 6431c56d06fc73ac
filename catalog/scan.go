package catalog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"

	"github.com/google/osv-scalibr/extractor/filesystem"

	"github.com/drydock/drydock/image"
)

// layerScanner reads one layer once, as a stream: each entry's header is
// shown to the extractors, and only the files one of them wants are read.
type layerScanner struct {
	plugins []plugin
	o       *options
	reqBuf  []plugin
	// dirs are the layer's directories, named or implied by an entry below
	// them; lastDir spares a map write for each entry of the same folder.
	dirs    map[string]struct{}
	lastDir string
}

// scan catalogs one layer on its own. The result depends on nothing but the
// layer's content, which is what makes it cacheable by DiffID.
func (s *layerScanner) scan(ctx context.Context, l image.Layer) (*layerResult, error) {
	res := &layerResult{Version: cacheVersion, MaxFileSize: s.o.maxFileSize, Files: map[string]*fileResult{}}
	s.dirs, s.lastDir = map[string]struct{}{}, ""
	err := l.Walk(ctx, func(e *image.Entry) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		switch e.Type {
		case image.TypeWhiteout:
			res.Whiteouts = append(res.Whiteouts, e.Path)
			return nil
		case image.TypeOpaque:
			res.Opaques = append(res.Opaques, e.Path)
			return nil
		case image.TypeSkipped:
			if e.Escapes {
				res.Escapes = append(res.Escapes, escapedEntry{Entry: e.Path, Reason: e.Reason})
			} else {
				res.Warnings = append(res.Warnings, e.Reason)
			}
			return nil
		}
		// Every entry makes its folder a directory, which hides a lower
		// file of the folder's name.
		s.dir(path.Dir(e.Path))
		switch e.Type {
		case image.TypeFile:
			return s.file(ctx, e, res)
		case image.TypeDir:
			s.dir(e.Path)
		case image.TypeHardlink:
			// Tar stores a hard link's content once, under the first name;
			// a package file reached by a second name says what the first
			// did. A target from a lower layer is found at merge time.
			if target, ok := res.Files[e.Linkname]; ok {
				fr := *target
				res.Files[e.Path] = &fr
			} else {
				if res.Links == nil {
					res.Links = map[string]string{}
				}
				res.Links[e.Path] = e.Linkname
			}
		case image.TypeSymlink, image.TypeOther:
			res.Hides = append(res.Hides, e.Path)
		}
		return nil
	})
	res.Dirs = deepestDirs(s.dirs)
	s.dirs = nil
	if err != nil {
		return nil, fmt.Errorf("catalog: layer %d (%s): %w", l.Index(), l.DiffID(), err)
	}
	return res, nil
}

func (s *layerScanner) dir(d string) {
	if d == "." || d == s.lastDir {
		return
	}
	s.lastDir = d
	s.dirs[d] = struct{}{}
}

func (s *layerScanner) warn(res *layerResult, format string, args ...any) {
	res.Warnings = append(res.Warnings, fmt.Sprintf(format, args...))
}

// file handles one regular file: ask, read if wanted, extract.
func (s *layerScanner) file(ctx context.Context, e *image.Entry, res *layerResult) error {
	api := entryAPI{path: e.Path, info: infoOf(e)}
	s.reqBuf = required(s.plugins, api, s.reqBuf)
	own := ownerKindOf(e.Path)
	if len(s.reqBuf) == 0 && own == ownerNone {
		return nil
	}
	req := slices.Clone(s.reqBuf)
	fr := &fileResult{}
	res.Files[e.Path] = fr
	if e.Size > s.o.maxFileSize {
		s.warn(res, "%s: %d bytes is over the %d-byte limit; not cataloged", e.Path, e.Size, s.o.maxFileSize)
		return nil
	}

	r := e.Reader
	if r == nil {
		return nil
	}
	if own == ownerNone && allExecutable(req) {
		// Most executables are not Go or Rust binaries, and most "executables"
		// are scripts: look at the magic before reading the rest.
		var head [4]byte
		n, err := io.ReadFull(r, head[:])
		if !executableMagic(head[:n]) {
			if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				s.warn(res, "%s: reading: %v", e.Path, err)
			}
			return nil
		}
		r = io.MultiReader(bytes.NewReader(head[:n]), r)
	}

	c, err := s.read(r, e.Size)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.warn(res, "%s: reading: %v", e.Path, err)
		return nil
	}
	defer c.close()

	for _, p := range req {
		if p.kind == kindOnDisk {
			continue // below, with the ownership list from the same copy
		}
		s.extract(ctx, p, &filesystem.ScanInput{FS: releaseStub, Path: e.Path, Info: api.info, Reader: c.reader()}, fr, res)
	}
	switch own {
	case ownerDpkgList, ownerDpkgMD5, ownerAPK:
		data, err := c.bytes()
		if err != nil {
			s.warn(res, "%s: reading: %v", e.Path, err)
			break
		}
		fr.Owns, fr.Owners = parseOwned(own, data)
	case ownerOSRelease:
		if data, err := c.bytes(); err == nil {
			fr.OSRelease = parseOSRelease(data)
		}
	case ownerRPM:
		s.rpm(ctx, req, e, api.info, c, fr, res)
	}
	return nil
}

func allExecutable(req []plugin) bool {
	for _, p := range req {
		if p.kind != kindExecutable {
			return false
		}
	}
	return true
}

// rpm copies the database into a private temporary folder (go-rpmdb opens
// it by name), runs the rpm extractor there with Root set so that it does
// not make a copy of its own, lists owned files, and removes the folder.
func (s *layerScanner) rpm(ctx context.Context, req []plugin, e *image.Entry, info entryInfo, c *content, fr *fileResult, res *layerResult) {
	dir, err := os.MkdirTemp(s.o.tempDir, "drydock-rpmdb-")
	if err != nil {
		s.warn(res, "%s: %v", e.Path, err)
		return
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, filepath.FromSlash(e.Path))
	if err := c.writeTo(file); err != nil {
		s.warn(res, "%s: copying rpm database: %v", e.Path, err)
		return
	}
	for _, p := range req {
		if p.kind == kindOnDisk {
			s.extract(ctx, p, &filesystem.ScanInput{FS: releaseStub, Path: e.Path, Root: dir, Info: info}, fr, res)
		}
	}
	owned, owners, err := rpmOwned(file)
	if err != nil {
		s.warn(res, "%s: %v", e.Path, err)
	}
	fr.Owns, fr.Owners = owned, owners
}

// extract runs one extractor on one file. Image content is hostile: a
// failure, or even a panic in a parser, costs that file, never the image.
func (s *layerScanner) extract(ctx context.Context, p plugin, in *filesystem.ScanInput, fr *fileResult, res *layerResult) {
	pkgs, err := func() (pkgs []*scalibrPackage, err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("extractor panicked: %v", r)
			}
		}()
		inv, err := p.ex.Extract(ctx, in)
		return inv.Packages, err
	}()
	if err != nil {
		s.warn(res, "%s: %s: %v", in.Path, p.ex.Name(), err)
	}
	for _, pkg := range pkgs {
		r, unmatched, ok := recordOf(pkg)
		if !ok {
			continue
		}
		fr.Packages = append(fr.Packages, r)
		if unmatched != "" {
			s.warn(res, "%s: %s", joinMember(in.Path, r.Member), unmatched)
		}
	}
}
