package vulndb

import (
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// A zip is read by streaming its central directory one entry at a time and
// reading each entry where the directory says it is, rather than through
// archive/zip, whose reader holds the whole directory in memory: for npm's
// feed (hundreds of thousands of entries) that is tens of megabytes of live
// heap. Sizes and checksums come from the directory, so entries written
// with data descriptors are read as surely as those without.

const (
	sigLocal       = 0x04034b50
	sigCentral     = 0x02014b50
	sigEnd64       = 0x06064b50
	sigEnd64Loc    = 0x07064b50
	endLen         = 22
	end64LocLen    = 20
	flagEncrypted  = 0x1
	methodStore    = 0
	methodDeflate  = 8
	maxZipComment  = 1<<16 - 1
	centralFixLen  = 46
	localFixLen    = 30
	zip64ExtraTag  = 0x0001
	uint32Overflow = 0xFFFFFFFF
	uint16Overflow = 0xFFFF
)

// zipDir is where the central directory is and how many entries it has.
type zipDir struct {
	offset, size, entries uint64
}

// walkZip calls put for every .json entry of the zip at path, in directory
// order, with at most limit+1 bytes of each.
func walkZip(path string, limit int64, put putFunc) error {
	f, err := os.Open(path)
	if err != nil {
		return &InputError{Path: path, Err: err}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return &InputError{Path: path, Err: err}
	}
	dir, err := findZipDir(f, fi.Size())
	if err != nil {
		return &InputError{Path: path, Err: malformed("%v", err)}
	}
	cd := bufio.NewReaderSize(io.NewSectionReader(f, int64(dir.offset), int64(dir.size)), 1<<16)
	for i := uint64(0); i < dir.entries; i++ {
		e, err := readCentral(cd)
		if err != nil {
			return &InputError{Path: path, Entry: fmt.Sprintf("central directory entry %d", i), Err: malformed("%v", err)}
		}
		if strings.HasSuffix(e.name, "/") || !strings.EqualFold(filepath.Ext(e.name), ".json") {
			continue
		}
		raw, err := readZipEntry(f, fi.Size(), e, limit)
		if err != nil {
			return &InputError{Path: path, Entry: e.name, Err: malformed("%v", err)}
		}
		if err := put(e.name, raw); err != nil {
			return err
		}
	}
	return nil
}

// findZipDir reads the end-of-central-directory record (and its zip64
// form, which a zip of over 65,535 entries needs) from the file's tail.
func findZipDir(f io.ReaderAt, size int64) (zipDir, error) {
	n := min(size, maxZipComment+endLen+end64LocLen)
	tail := make([]byte, n)
	if _, err := f.ReadAt(tail, size-n); err != nil && !errors.Is(err, io.EOF) {
		return zipDir{}, err
	}
	at := bytes.LastIndex(tail, []byte("PK\x05\x06"))
	if at < 0 || len(tail)-at < endLen {
		return zipDir{}, errors.New("zip: no end of central directory record (not a zip, or a truncated download)")
	}
	end := tail[at:]
	dir := zipDir{
		entries: uint64(binary.LittleEndian.Uint16(end[10:])),
		size:    uint64(binary.LittleEndian.Uint32(end[12:])),
		offset:  uint64(binary.LittleEndian.Uint32(end[16:])),
	}
	if dir.entries == uint16Overflow || dir.size == uint32Overflow || dir.offset == uint32Overflow {
		if at < end64LocLen || binary.LittleEndian.Uint32(tail[at-end64LocLen:]) != sigEnd64Loc {
			return zipDir{}, errors.New("zip: zip64 end of central directory locator missing")
		}
		off := int64(binary.LittleEndian.Uint64(tail[at-end64LocLen+8:]))
		rec := make([]byte, 56)
		if _, err := f.ReadAt(rec, off); err != nil || binary.LittleEndian.Uint32(rec) != sigEnd64 {
			return zipDir{}, errors.New("zip: bad zip64 end of central directory record")
		}
		dir.entries = binary.LittleEndian.Uint64(rec[32:])
		dir.size = binary.LittleEndian.Uint64(rec[40:])
		dir.offset = binary.LittleEndian.Uint64(rec[48:])
	}
	if dir.offset > uint64(size) || dir.size > uint64(size)-dir.offset {
		return zipDir{}, errors.New("zip: central directory outside the file (truncated download?)")
	}
	// Every directory entry is at least centralFixLen bytes long.
	if dir.entries > dir.size/centralFixLen {
		return zipDir{}, fmt.Errorf("zip: %d entries cannot fit a %d byte directory", dir.entries, dir.size)
	}
	return dir, nil
}

// zipEntry is what the central directory says of one entry.
type zipEntry struct {
	name                 string
	flags, method        uint16
	crc                  uint32
	csize, usize, offset uint64
}

func readCentral(r *bufio.Reader) (zipEntry, error) {
	var h [centralFixLen]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return zipEntry{}, fmt.Errorf("zip: central directory: %w", err)
	}
	le := binary.LittleEndian
	if le.Uint32(h[:]) != sigCentral {
		return zipEntry{}, errors.New("zip: bad central directory signature")
	}
	e := zipEntry{
		flags: le.Uint16(h[8:]), method: le.Uint16(h[10:]), crc: le.Uint32(h[16:]),
		csize: uint64(le.Uint32(h[20:])), usize: uint64(le.Uint32(h[24:])), offset: uint64(le.Uint32(h[42:])),
	}
	nameLen, extraLen, commentLen := int(le.Uint16(h[28:])), int(le.Uint16(h[30:])), int(le.Uint16(h[32:]))
	buf := make([]byte, nameLen+extraLen+commentLen)
	if _, err := io.ReadFull(r, buf); err != nil {
		return zipEntry{}, fmt.Errorf("zip: central directory: %w", err)
	}
	e.name = string(buf[:nameLen])
	// The zip64 extra field holds, in this order, only the values that
	// overflowed their 32-bit fields.
	for extra := buf[nameLen : nameLen+extraLen]; len(extra) >= 4; {
		tag, size := le.Uint16(extra), int(le.Uint16(extra[2:]))
		extra = extra[4:]
		if size > len(extra) {
			break
		}
		if tag == zip64ExtraTag {
			field := extra[:size]
			for _, v := range []*uint64{&e.usize, &e.csize, &e.offset} {
				if *v == uint32Overflow && len(field) >= 8 {
					*v, field = le.Uint64(field), field[8:]
				}
			}
		}
		extra = extra[size:]
	}
	return e, nil
}

// readZipEntry reads an entry and checks it against the directory's size
// and checksum; of an entry over limit it returns only limit+1 bytes.
func readZipEntry(f io.ReaderAt, fileSize int64, e zipEntry, limit int64) ([]byte, error) {
	if e.flags&flagEncrypted != 0 {
		return nil, errors.New("zip: encrypted entry")
	}
	var h [localFixLen]byte
	if _, err := f.ReadAt(h[:], int64(e.offset)); err != nil {
		return nil, fmt.Errorf("zip: local header: %w", err)
	}
	le := binary.LittleEndian
	if le.Uint32(h[:]) != sigLocal {
		return nil, errors.New("zip: bad local header signature")
	}
	start := int64(e.offset) + localFixLen + int64(le.Uint16(h[26:])) + int64(le.Uint16(h[28:]))
	if start > fileSize || int64(e.csize) > fileSize-start {
		return nil, errors.New("zip: entry data outside the file")
	}
	var body io.Reader = io.NewSectionReader(f, start, int64(e.csize))
	switch e.method {
	case methodStore:
	case methodDeflate:
		fr := flate.NewReader(bufio.NewReader(body))
		defer fr.Close()
		body = fr
	default:
		return nil, fmt.Errorf("zip: unsupported compression method %d", e.method)
	}
	if e.usize > uint64(limit) {
		// Over the record limit: parseRecord skips it on its length, and
		// inflating the rest (a zip bomb's gigabytes) is not worth checking.
		return io.ReadAll(io.LimitReader(body, limit+1))
	}
	crc := crc32.NewIEEE()
	// One byte more than the directory says, to notice an entry that
	// inflates past its stated size.
	raw, err := io.ReadAll(io.LimitReader(io.TeeReader(body, crc), int64(e.usize)+1))
	if err != nil {
		return nil, fmt.Errorf("zip: %w", err)
	}
	if uint64(len(raw)) != e.usize || crc.Sum32() != e.crc {
		return nil, errors.New("zip: checksum or size mismatch")
	}
	return raw, nil
}
