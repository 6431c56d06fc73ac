package image

import (
	"io"
	"sync/atomic"
)

// Progress counts what the walks of an image have read, for a progress
// display: stored (compressed) bytes and whole layers, against the totals
// the manifest states. It is safe to read while walks run. Sources without
// a manifest (dir:, plain tar layers of an old docker-archive) add no
// totals.
type Progress struct {
	bytes, totalBytes   atomic.Int64
	layers, totalLayers atomic.Int64
}

// Snapshot returns the bytes and layers read so far and their totals.
func (p *Progress) Snapshot() (bytes, totalBytes, layers, totalLayers int64) {
	return p.bytes.Load(), p.totalBytes.Load(), p.layers.Load(), p.totalLayers.Load()
}

// WithProgress counts every layer walk's stored bytes and finished layers
// in p. Default: nothing is counted.
func WithProgress(p *Progress) Option {
	return func(o *options) error {
		o.progress = p
		return nil
	}
}

// countingReader adds what it reads to a Progress.
type countingReader struct {
	io.ReadCloser
	p *Progress
}

func (c countingReader) Read(b []byte) (int, error) {
	n, err := c.ReadCloser.Read(b)
	c.p.bytes.Add(int64(n))
	return n, err
}
