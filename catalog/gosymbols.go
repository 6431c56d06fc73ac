package catalog

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
)

// A Go binary's pclntab — the table the runtime reads for stack traces —
// names every function compiled in, stripped binaries included (-s -w
// drops the symbol table and DWARF, never the pclntab). Each function's
// inline tree names the functions the compiler inlined into it, which a
// call graph must count as present too: language.Parse is inlined into its
// callers and appears nowhere else. goSymbols reads both, for Go 1.18 and
// later (the pclntab layouts of 1.18 and 1.20), from ELF binaries; other
// formats and older toolchains give no symbol data, which a finding then
// reports as unknown.

// errNoPclntab means the binary has no pclntab drydock can read.
var errNoPclntab = errors.New("no Go 1.18+ pclntab")

// goSymbols returns the binary's functions as "package.Symbol"
// ("net/http.Client.Do", "golang.org/x/text/language.Parse"): pointer
// receivers written without "(*…)", generic instantiations without their
// type arguments, package paths unescaped. Sorted, no duplicates.
func goSymbols(ra io.ReaderAt) ([]string, error) {
	f, err := elf.NewFile(ra)
	if err != nil {
		return nil, errNoPclntab
	}
	defer f.Close()
	tab, err := pclntabOf(f)
	if err != nil {
		return nil, err
	}
	p, err := newPclntab(tab, f.ByteOrder)
	if err != nil {
		return nil, err
	}
	gf := goFuncOf(f, p)
	seen := map[uint32]bool{} // name offsets: names are decoded once each
	for i := 0; i < p.nfunc; i++ {
		fn, err := p.funcAt(i)
		if err != nil {
			return nil, err
		}
		seen[fn.nameOff] = true
		if gf != nil {
			for _, nameOff := range p.inlined(gf, fn) {
				seen[nameOff] = true
			}
		}
	}
	names := map[string]bool{}
	for off := range seen {
		names[symbolOf(p.name(off))] = true
	}
	seen = nil
	delete(names, "")
	out := make([]string, 0, len(names))
	for s := range names {
		out = append(out, s)
	}
	slices.Sort(out)
	return out, nil
}

// goFunc is the go:func.* region: funcdata offsets count from its start.
type goFunc struct {
	data []byte // the section holding it, from the go:func.* address on
}

// pclntabOf returns the bytes of the pclntab section.
func pclntabOf(f *elf.File) ([]byte, error) {
	for _, s := range f.Sections {
		if s.Name == ".gopclntab" || strings.HasSuffix(s.Name, ".gopclntab") {
			return s.Data()
		}
	}
	return nil, errNoPclntab
}

// goFuncOf finds go:func.*, the base of funcdata offsets, and returns the
// section bytes from it on: through the runtime's moduledata, else through
// the symbol table (reading every symbol costs more than the rest of the
// check). nil when it cannot be found: inline trees are then not read.
func goFuncOf(f *elf.File, p *pclntab) *goFunc {
	if gf := moduledataGoFunc(f, p); gf != nil {
		return gf
	}
	if syms, err := f.Symbols(); err == nil {
		for _, s := range syms {
			if s.Name == "go:func.*" || s.Name == "go.func.*" {
				return goFuncAt(f, p, s.Value)
			}
		}
	}
	return nil
}

// moduledataGoFunc finds go:func.* through the runtime's moduledata (in
// .go.module since Go 1.26, .noptrdata before), which starts with a pointer
// to the pclntab and further on holds "rodata, gofunc": each word after one
// equal to .rodata's address is a candidate, kept only if the inline trees
// it leads to name functions where function names start. nil when none is.
func moduledataGoFunc(f *elf.File, p *pclntab) *goFunc {
	var pcln, rodata *elf.Section
	for _, s := range f.Sections {
		switch {
		case s.Name == ".rodata":
			rodata = s
		case strings.HasSuffix(s.Name, ".gopclntab"):
			pcln = s
		}
	}
	if pcln == nil || rodata == nil {
		return nil
	}
	word := func(b []byte) uint64 {
		if p.ptr == 4 {
			return uint64(f.ByteOrder.Uint32(b))
		}
		return f.ByteOrder.Uint64(b)
	}
	for _, name := range []string{".go.module", ".noptrdata", ".data.rel.ro", ".data"} {
		s := f.Section(name)
		if s == nil || s.Type == elf.SHT_NOBITS {
			continue
		}
		data, err := s.Data()
		if err != nil {
			continue
		}
		for off := 0; off+p.ptr <= len(data); off += p.ptr {
			if word(data[off:]) != pcln.Addr {
				continue
			}
			for w := off + p.ptr; w+2*p.ptr <= len(data) && w < off+80*p.ptr; w += p.ptr {
				if word(data[w:]) == rodata.Addr {
					if gf := goFuncAt(f, p, word(data[w+p.ptr:])); p.plausibleGoFunc(gf) {
						return gf
					}
				}
			}
		}
	}
	return nil
}

// plausibleGoFunc checks a candidate go:func.* region on the first
// functions with inline trees: every entry must name the start of a
// function name.
func (p *pclntab) plausibleGoFunc(gf *goFunc) bool {
	if gf == nil {
		return false
	}
	checked := 0
	for i := 0; i < p.nfunc && checked < 64; i++ {
		fn, err := p.funcAt(i)
		if err != nil || fn.inlTree == ^uint32(0) {
			continue
		}
		offs := p.inlined(gf, fn)
		if len(offs) == 0 {
			return false
		}
		for _, o := range offs {
			if uint64(o) >= uint64(len(p.funcnames)) || (o > 0 && p.funcnames[o-1] != 0) || p.funcnames[o] == 0 {
				return false
			}
		}
		checked++
	}
	return checked > 0
}

// symbolOf turns a function name into "package.Symbol", the form of OSV
// Go records' ecosystem_specific.imports (path and symbols joined by ".");
// "" for names no record can name (runtime-generated ones).
func symbolOf(name string) string {
	if name == "" || strings.HasPrefix(name, "type:") || strings.HasPrefix(name, "go:") || strings.HasPrefix(name, "type..") {
		return ""
	}
	// Drop generic type arguments: pkg.F[go.shape.int] is pkg.F.
	if i := strings.IndexByte(name, '['); i >= 0 {
		if j := strings.LastIndexByte(name, ']'); j > i {
			name = name[:i] + name[j+1:]
		}
	}
	slash := strings.LastIndexByte(name, '/')
	dot := strings.IndexByte(name[slash+1:], '.')
	if dot < 0 {
		return ""
	}
	pkg, sym := name[:slash+1+dot], name[slash+1+dot+1:]
	if u, err := url.PathUnescape(pkg); err == nil {
		pkg = u
	}
	sym = strings.Replace(sym, "(*", "", 1)
	sym = strings.Replace(sym, ")", "", 1)
	return pkg + "." + sym
}

// pclntab is a parsed Go 1.18+ pclntab header.
type pclntab struct {
	data      []byte
	order     binary.ByteOrder
	go120     bool
	ptr       int
	minLC     uint64
	nfunc     int
	funcnames []byte
	pctab     []byte
	functab   []byte
}

func newPclntab(data []byte, order binary.ByteOrder) (*pclntab, error) {
	if len(data) < 8 {
		return nil, errNoPclntab
	}
	p := &pclntab{data: data, order: order, ptr: int(data[7]), minLC: uint64(data[6])}
	switch order.Uint32(data) {
	case 0xfffffff0: // Go 1.18, 1.19
	case 0xfffffff1: // Go 1.20 and later
		p.go120 = true
	default:
		return nil, errNoPclntab
	}
	if p.ptr != 4 && p.ptr != 8 || len(data) < 8+8*p.ptr {
		return nil, errNoPclntab
	}
	word := func(i int) uint64 {
		b := data[8+i*p.ptr:]
		if p.ptr == 4 {
			return uint64(order.Uint32(b))
		}
		return order.Uint64(b)
	}
	p.nfunc = int(word(0))
	sub := func(off uint64) ([]byte, error) {
		if off > uint64(len(data)) {
			return nil, fmt.Errorf("pclntab: offset %d beyond %d bytes", off, len(data))
		}
		return data[off:], nil
	}
	var err error
	if p.funcnames, err = sub(word(3)); err != nil {
		return nil, err
	}
	if p.pctab, err = sub(word(6)); err != nil {
		return nil, err
	}
	if p.functab, err = sub(word(7)); err != nil {
		return nil, err
	}
	if p.nfunc < 0 || uint64(p.nfunc+1)*8 > uint64(len(p.functab)) {
		return nil, fmt.Errorf("pclntab: %d functions do not fit", p.nfunc)
	}
	return p, nil
}

// funcInfo is what one _func record says that symbols need.
type funcInfo struct {
	nameOff    uint32
	inlTreeIdx uint32 // pcdata[2] offset in pctab, or ^0
	inlTree    uint32 // funcdata[3] offset from go:func.*, or ^0
}

func (p *pclntab) funcAt(i int) (funcInfo, error) {
	off := uint64(p.order.Uint32(p.functab[i*8+4:]))
	fixed := 40 // entryOff … cuOffset (9 × 4), funcID, flag, _, nfuncdata
	if p.go120 {
		fixed = 44 // and startLine
	}
	if off+uint64(fixed) > uint64(len(p.functab)) {
		return funcInfo{}, fmt.Errorf("pclntab: function %d out of range", i)
	}
	b := p.functab[off:]
	fn := funcInfo{nameOff: p.order.Uint32(b[4:]), inlTreeIdx: ^uint32(0), inlTree: ^uint32(0)}
	npcdata, nfuncdata := uint64(p.order.Uint32(b[28:])), uint64(b[fixed-1])
	if uint64(fixed)+4*(npcdata+nfuncdata) > uint64(len(b)) {
		return funcInfo{}, fmt.Errorf("pclntab: function %d tables out of range", i)
	}
	if npcdata > 2 {
		fn.inlTreeIdx = p.order.Uint32(b[fixed+2*4:])
	}
	if nfuncdata > 3 {
		fn.inlTree = p.order.Uint32(b[uint64(fixed)+4*npcdata+3*4:])
	}
	return fn, nil
}

func (p *pclntab) name(off uint32) string {
	if uint64(off) >= uint64(len(p.funcnames)) {
		return ""
	}
	b := p.funcnames[off:]
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// inlined returns the name offsets of the functions inlined into fn. The
// tree's length is not recorded: it is one more than the largest index the
// inline-tree pc-value table takes.
func (p *pclntab) inlined(gf *goFunc, fn funcInfo) []uint32 {
	if gf == nil || fn.inlTree == ^uint32(0) || fn.inlTreeIdx == ^uint32(0) || uint64(fn.inlTreeIdx) >= uint64(len(p.pctab)) {
		return nil
	}
	n := p.maxPCValue(p.pctab[fn.inlTreeIdx:]) + 1
	if n <= 0 || n > 1<<16 {
		return nil
	}
	size := 20 // Go 1.18, 1.19: parent, funcID, _, file, line, func, parentPc
	nameAt := 12
	if p.go120 {
		size, nameAt = 16, 4 // funcID, _, nameOff, parentPc, startLine
	}
	start := uint64(fn.inlTree)
	if start+uint64(n*size) > uint64(len(gf.data)) {
		return nil
	}
	buf := gf.data[start : start+uint64(n*size)]
	out := make([]uint32, n)
	for i := range n {
		out[i] = p.order.Uint32(buf[i*size+nameAt:])
	}
	return out
}

// maxPCValue decodes a pc-value table (zig-zag value deltas and pc deltas,
// both varints, ending at a zero value delta) and returns its largest value.
func (p *pclntab) maxPCValue(b []byte) int {
	val, max := int64(-1), int64(-1)
	for first := true; ; first = false {
		uv, n := binary.Uvarint(b)
		if n <= 0 || (uv == 0 && !first) {
			return int(max)
		}
		b = b[n:]
		val += int64(-(uv & 1) ^ (uv >> 1))
		if _, n = binary.Uvarint(b); n <= 0 {
			return int(max)
		}
		b = b[n:]
		if val > max {
			max = val
		}
	}
}

// goFuncAt is the go:func.* region at address a, or nil when no section
// holds a (address 0 never is: non-loaded sections sit there).
func goFuncAt(f *elf.File, p *pclntab, a uint64) *goFunc {
	if a == 0 {
		return nil
	}
	for _, s := range f.Sections {
		if s.Type == elf.SHT_NOBITS || a < s.Addr || a >= s.Addr+s.Size {
			continue
		}
		if strings.HasSuffix(s.Name, ".gopclntab") && uint64(len(p.data)) == s.Size {
			// Go 1.26 puts go:func.* in the pclntab section: no second copy.
			return &goFunc{data: p.data[a-s.Addr:]}
		}
		data, err := s.Data()
		if err != nil {
			return nil
		}
		return &goFunc{data: data[a-s.Addr:]}
	}
	return nil
}
