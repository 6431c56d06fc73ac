package catalog

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/google/osv-scalibr/extractor"
)

type scalibrPackage = extractor.Package

// content is one file's bytes, read once from the layer stream and offered
// to every extractor that wants them. Small files stay in memory; big ones
// (a 200 MB binary, a fat jar) go to a temporary file so that memory stays
// bounded whatever the image holds. Either way extractors get an
// io.ReaderAt, which the Go binary, Rust and Java archive extractors need.
type content struct {
	data []byte
	file *os.File
	size int64
}

// read takes at most maxFileSize bytes from r; size is the header's claim,
// which decides memory or disk but is not trusted as a bound.
func (s *layerScanner) read(r io.Reader, size int64) (*content, error) {
	limit := s.o.maxFileSize
	if size <= s.o.spoolSize {
		buf := bytes.NewBuffer(make([]byte, 0, max(size, 0)+bytes.MinRead))
		n, err := buf.ReadFrom(io.LimitReader(r, limit+1))
		if err != nil {
			return nil, err
		}
		if n > limit {
			return nil, fmt.Errorf("over the %d-byte limit", limit)
		}
		return &content{data: buf.Bytes(), size: n}, nil
	}
	f, err := os.CreateTemp(s.o.tempDir, "drydock-catalog-")
	if err != nil {
		return nil, err
	}
	c := &content{file: f}
	n, err := io.Copy(f, io.LimitReader(r, limit+1))
	c.size = n
	if err == nil && n > limit {
		err = fmt.Errorf("over the %d-byte limit", limit)
	}
	if err != nil {
		c.close()
		return nil, err
	}
	return c, nil
}

// reader gives a fresh reader, positioned at the start, for one extractor.
func (c *content) reader() io.Reader {
	if c.file != nil {
		return io.NewSectionReader(c.file, 0, c.size)
	}
	return bytes.NewReader(c.data)
}

// bytes returns the whole content; for spooled files it reads them back.
func (c *content) bytes() ([]byte, error) {
	if c.file == nil {
		return c.data, nil
	}
	b := make([]byte, c.size)
	_, err := c.file.ReadAt(b, 0)
	return b, err
}

// writeTo copies the content to a new file at name, creating its folders.
func (c *content) writeTo(name string) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, c.reader()); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// close removes the temporary file, if there is one.
func (c *content) close() {
	if c.file != nil {
		name := c.file.Name()
		c.file.Close()
		os.Remove(name)
	}
}
