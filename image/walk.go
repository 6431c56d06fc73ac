package image

import (
	"archive/tar"
	"fmt"
	"io"
)

// walkTar calls fn for each entry of the tar stream r. skipped reports that
// fn returned SkipLayer, so the rest of the stream was left unread. Errors
// of the data are *layerFailure; fn's errors are returned as they are.
func walkTar(ctx ctxErr, r io.Reader, lim Limits, plain *plainReader, fn WalkFunc) (skipped bool, err error) {
	tr := tar.NewReader(r)
	for n := 0; ; n++ {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		h, err := tr.Next()
		if err == io.EOF {
			return false, nil
		}
		if plain.err != nil {
			// A limit or a broken stream, not the tar reader's fault.
			return false, &layerFailure{plain.err}
		}
		if err != nil {
			return false, &layerFailure{fmt.Errorf("tar entry %d: %w", n, err)}
		}
		if n >= lim.MaxEntries {
			return false, &layerFailure{fmt.Errorf("%w: more than %d entries", ErrLimit, lim.MaxEntries)}
		}
		e, ok := entryOf(h)
		if !ok {
			continue
		}
		var er *entryReader
		if e.Type == TypeFile {
			er = &entryReader{r: tr, path: e.Path, size: e.Size, limit: lim.MaxFileSize}
			e.Reader = er
		}
		err = fn(e)
		if er != nil {
			er.done = true
		}
		if plain.err != nil {
			return false, &layerFailure{plain.err}
		}
		if err == SkipLayer {
			return true, nil
		}
		if err != nil {
			return false, err
		}
	}
}

// entryReader gives out one file's content, refusing files over the
// per-file limit before reading any of it, and reads after the WalkFunc
// returned (the tar reader has moved on by then).
type entryReader struct {
	r           io.Reader
	path        string
	size, limit int64
	done        bool
}

func (er *entryReader) Read(p []byte) (int, error) {
	if er.done {
		return 0, fmt.Errorf("image: %s read after its WalkFunc returned", er.path)
	}
	if er.size > er.limit {
		return 0, fmt.Errorf("%w: %s is %d bytes, the limit is %d", ErrTooLarge, er.path, er.size, er.limit)
	}
	return er.r.Read(p)
}
