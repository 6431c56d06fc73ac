package catalog

import (
	"bytes"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/google/osv-scalibr/extractor/filesystem"
	scalibrfs "github.com/google/osv-scalibr/fs"

	"github.com/drydock/drydock/image"
)

// entryInfo is the fs.FileInfo of a layer entry, as extractors' FileRequired
// and Extract ask for it.
type entryInfo struct {
	name    string
	size    int64
	mode    fs.FileMode
	modTime time.Time
}

var _ fs.FileInfo = entryInfo{}

func infoOf(e *image.Entry) entryInfo {
	return entryInfo{name: path.Base(e.Path), size: e.Size, mode: e.Mode, modTime: e.ModTime}
}

func (i entryInfo) Name() string       { return i.name }
func (i entryInfo) Size() int64        { return i.size }
func (i entryInfo) Mode() fs.FileMode  { return i.mode }
func (i entryInfo) ModTime() time.Time { return i.modTime }
func (i entryInfo) IsDir() bool        { return i.mode.IsDir() }
func (i entryInfo) Sys() any           { return nil }

// entryAPI answers an extractor's FileRequired from the tar header alone,
// so that nothing is read for the great majority of entries.
type entryAPI struct {
	path string
	info entryInfo
}

var _ filesystem.FileAPI = entryAPI{}

func (a entryAPI) Path() string               { return a.path }
func (a entryAPI) Stat() (fs.FileInfo, error) { return a.info, nil }

// memFS is a small read-only in-memory filesystem of regular files, with
// their parent directories implied.
type memFS map[string][]byte

var _ scalibrfs.FS = memFS(nil)

// releaseStub is the filesystem extractors get as ScanInput.FS. The dpkg,
// apk and rpm extractors read os-release through it for PURL qualifiers,
// but a layer is cataloged without the others, so the OS release is applied
// after the merge instead; the empty file keeps them from logging its
// absence on every call.
var releaseStub = memFS{"etc/os-release": nil}

func (m memFS) Open(name string) (fs.File, error) {
	if data, ok := m[name]; ok {
		return &memFile{Reader: bytes.NewReader(data), info: entryInfo{name: path.Base(name), size: int64(len(data)), mode: 0o444}}, nil
	}
	if m.isDir(name) {
		return &memFile{Reader: bytes.NewReader(nil), info: entryInfo{name: path.Base(name), mode: fs.ModeDir | 0o555}}, nil
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

func (m memFS) Stat(name string) (fs.FileInfo, error) {
	f, err := m.Open(name)
	if err != nil {
		return nil, err
	}
	return f.Stat()
}

func (m memFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if !m.isDir(name) {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	seen := map[string]fs.DirEntry{}
	for p := range m {
		rest, ok := strings.CutPrefix(p, dirPrefix(name))
		if !ok {
			continue
		}
		child, _, nested := strings.Cut(rest, "/")
		if nested {
			seen[child] = fs.FileInfoToDirEntry(entryInfo{name: child, mode: fs.ModeDir | 0o555})
		} else {
			seen[child] = fs.FileInfoToDirEntry(entryInfo{name: child, size: int64(len(m[p])), mode: 0o444})
		}
	}
	out := make([]fs.DirEntry, 0, len(seen))
	for _, d := range seen {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, nil
}

func (m memFS) isDir(name string) bool {
	if name == "." {
		return true
	}
	for p := range m {
		if strings.HasPrefix(p, name+"/") {
			return true
		}
	}
	return false
}

func dirPrefix(name string) string {
	if name == "." {
		return ""
	}
	return name + "/"
}

type memFile struct {
	*bytes.Reader
	info entryInfo
}

var _ io.ReaderAt = (*memFile)(nil)

func (f *memFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *memFile) Close() error               { return nil }
