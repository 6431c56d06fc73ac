package match

import "github.com/drydock/drydock/inventory"

// LookupNames says what Match asks a Source about for package p: its OSV
// ecosystem and the package names looked up there (the source package for
// distros, "stdlib" for a Go toolchain). ok is false for a package Match
// skips (no ecosystem or name). A rematch uses it to know which stored
// packages a changed advisory can touch.
func LookupNames(p *inventory.Package) (ecosystem string, names []string, ok bool) {
	q, err := queryOf(p)
	if err != nil {
		return "", nil, false
	}
	return q.ecosystem, q.names, true
}
