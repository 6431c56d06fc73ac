// Package corpus generates hostile layers for the image package's tests:
// compression bombs and archives with very many entries. Every generator
// streams to a writer, so that a test can make gigabytes of layer without
// holding them in memory or spending the time to compress them.
package corpus

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"time"
)

// chunk is the unit a bomb is built of.
const chunk = 1 << 20

// GzipBomb writes a gzip stream whose content is a tar archive holding one
// file, "zeros", of zero bytes, the archive being size bytes in all (size
// is rounded up to a whole MiB, at least 1 MiB). It returns the number of
// uncompressed bytes.
//
// Compressing gigabytes of zeros takes seconds; instead one MiB of zeros
// is deflated once and its blocks repeated: a sync-flushed deflate chunk
// ends on a byte boundary and refers only to the zeros behind it, so any
// number of copies is a valid stream.
func GzipBomb(w io.Writer, size int64) (int64, error) {
	if size < chunk {
		size = chunk
	}
	n := (size + chunk - 1) / chunk
	total := n * chunk
	var hdr bytes.Buffer
	tw := tar.NewWriter(&hdr)
	// The file takes all but its header and the two end blocks. The
	// header block is written by WriteHeader; the content never is.
	if err := tw.WriteHeader(&tar.Header{Name: "zeros", Mode: 0o644, Size: total - 3*512, Typeflag: tar.TypeReg, ModTime: time.Unix(0, 0), Format: tar.FormatGNU}); err != nil {
		return 0, err
	}
	if hdr.Len() != 512 {
		return 0, fmt.Errorf("corpus: tar header is %d bytes, want 512", hdr.Len())
	}
	first := make([]byte, chunk)
	copy(first, hdr.Bytes())
	firstZ, err := deflateChunk(first)
	if err != nil {
		return 0, err
	}
	zerosZ, err := deflateChunk(make([]byte, chunk))
	if err != nil {
		return 0, err
	}
	// gzip header: magic, deflate, no flags, no mtime, unknown OS.
	if _, err := w.Write([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}); err != nil {
		return 0, err
	}
	if _, err := w.Write(firstZ); err != nil {
		return 0, err
	}
	crc := crc32.ChecksumIEEE(first)
	zeros := make([]byte, chunk)
	for i := int64(1); i < n; i++ {
		if _, err := w.Write(zerosZ); err != nil {
			return 0, err
		}
		crc = crc32.Update(crc, crc32.IEEETable, zeros)
	}
	// An empty final block, then the gzip trailer: CRC-32 and size mod 2^32.
	trailer := []byte{3, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	binary.LittleEndian.PutUint32(trailer[2:], crc)
	binary.LittleEndian.PutUint32(trailer[6:], uint32(total))
	_, err = w.Write(trailer)
	return total, err
}

// deflateChunk compresses b as non-final, byte-aligned deflate blocks.
func deflateChunk(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	fw, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := fw.Write(b); err != nil {
		return nil, err
	}
	if err := fw.Flush(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ManyEntries writes an uncompressed tar archive of n empty files spread
// over directories of 1,000 files each. The headers are made by patching
// one ustar block rather than by archive/tar, which would cost a test
// seconds per million entries.
func ManyEntries(w io.Writer, n int) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	var tmpl [512]byte
	copy(tmpl[100:], "0000644\x00")     // mode
	copy(tmpl[108:], "0000000\x00")     // uid
	copy(tmpl[116:], "0000000\x00")     // gid
	copy(tmpl[124:], "00000000000\x00") // size
	copy(tmpl[136:], "00000000000\x00") // mtime
	tmpl[156] = tar.TypeReg             // typeflag
	copy(tmpl[257:], "ustar\x0000")     // magic and version
	for i := 0; i < n; i++ {
		b := tmpl
		copy(b[:], fmt.Sprintf("d%04d/f%03d", i/1000, i%1000))
		// The checksum is the byte sum with its own field taken as spaces.
		sum := 8 * int(' ')
		for j, c := range b {
			if j < 148 || j >= 156 {
				sum += int(c)
			}
		}
		copy(b[148:], fmt.Sprintf("%06o\x00 ", sum))
		if _, err := bw.Write(b[:]); err != nil {
			return err
		}
	}
	if _, err := bw.Write(make([]byte, 1024)); err != nil { // end of archive
		return err
	}
	return bw.Flush()
}
