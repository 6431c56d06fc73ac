package catalog

import (
	"cmp"
	"maps"
	"path"
	"slices"
	"sort"
	"strings"
)

// Overlay: what one layer puts over the package files of the layers below
// it. In an overlay filesystem any entry of an upper layer at path P hides
// a lower file at P, whatever the entry is; an entry at P/x means P is a
// directory, so a lower file at P is gone too; and a non-directory at D
// hides everything a lower layer had below D. A layer's record keeps only
// what can take part in that: its package files, its whiteouts and opaque
// directories, its links and devices, and its directories reduced to the
// deepest ones (a directory implies all of its ancestors). Regular files
// that no extractor wants are not kept: a layer of a million entries would
// otherwise carry a million paths, and one that replaces a whole lower
// directory by a plain file is rare enough to leave as a known gap.

// cover is one layer's overlay, ready to test lower paths against.
type cover struct {
	all  bool            // the layer deleted or hid the whole root
	gone map[string]bool // whiteouts, links, devices: the path and everything below it
	over map[string]bool // opaque dirs and new files: only what lies below the path
	dirs []string        // the layer's deepest directories, in pathCompare order
}

// coverOf builds the cover of r; unresolved are its hard links whose
// target is no package file below it, so that the link hides like a device.
func coverOf(r *layerResult, unresolved []string) *cover {
	c := &cover{gone: map[string]bool{}, over: map[string]bool{}, dirs: r.Dirs}
	for _, ps := range [][]string{r.Whiteouts, r.Hides, unresolved} {
		for _, p := range ps {
			if p == "" || p == "." {
				c.all = true
			}
			c.gone[p] = true
		}
	}
	for _, p := range r.Opaques {
		if p == "" || p == "." {
			c.all = true
		}
		c.over[p] = true
	}
	for p := range r.Files {
		c.over[p] = true
	}
	for p := range r.Links {
		if !c.gone[p] {
			c.over[p] = true
		}
	}
	return c
}

// hides reports whether the layer hides a lower file at p. The layer's own
// file at p is not hiding: it is a new version of the same file, which
// attribution needs to see.
func (c *cover) hides(p string) bool {
	if c.all || c.gone[p] || c.dirAtOrBelow(p) {
		return true
	}
	for a := path.Dir(p); a != "." && a != "/"; a = path.Dir(a) {
		if c.gone[a] || c.over[a] {
			return true
		}
	}
	return false
}

// dirAtOrBelow reports whether the layer has a directory at p or below it.
// In pathCompare order everything below p directly follows p, so the first
// directory not before p answers.
func (c *cover) dirAtOrBelow(p string) bool {
	i := sort.Search(len(c.dirs), func(i int) bool { return pathCompare(c.dirs[i], p) >= 0 })
	return i < len(c.dirs) && (c.dirs[i] == p || strings.HasPrefix(c.dirs[i], p+"/"))
}

// pathCompare orders paths as a tree walk would: '/' sorts before every
// other byte, so "a/b" and everything below it come before "a-b".
func pathCompare(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := a[i], b[i]
		switch {
		case x == y:
			continue
		case x == '/':
			return -1
		case y == '/':
			return 1
		}
		return cmp.Compare(x, y)
	}
	return cmp.Compare(len(a), len(b))
}

// deepestDirs reduces a layer's directories to those with no other below
// them, in pathCompare order: the ancestors add nothing a test against the
// deepest ones does not already find.
func deepestDirs(set map[string]struct{}) []string {
	all := slices.SortedFunc(maps.Keys(set), pathCompare)
	out := all[:0]
	for i, d := range all {
		if i+1 < len(all) && strings.HasPrefix(all[i+1], d+"/") {
			continue
		}
		out = append(out, d)
	}
	return slices.Clip(out)
}
