package match_test

import (
	"slices"
	"testing"

	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/match"
)

func TestLookupNames(t *testing.T) {
	for _, c := range []struct {
		pkg   inventory.Package
		eco   string
		names []string
		ok    bool
	}{
		{inventory.Package{Name: "libssl3", SourceName: "openssl", Type: inventory.TypeDeb, Ecosystem: "Debian:12", Version: "3.0.11-1"}, "Debian:12", []string{"openssl"}, true},
		{inventory.Package{Name: "go", Type: inventory.TypeGoStdlib, Ecosystem: "Go", Version: "go1.22.1"}, "Go", []string{"stdlib"}, true},
		{inventory.Package{Name: "left-pad", Type: inventory.TypeNPM, Ecosystem: "npm", Version: "1.0.0"}, "npm", []string{"left-pad"}, true},
		{inventory.Package{Name: "mystery", Type: inventory.TypeNPM, Version: "1"}, "", nil, false},
	} {
		eco, names, ok := match.LookupNames(&c.pkg)
		if eco != c.eco || !slices.Equal(names, c.names) || ok != c.ok {
			t.Errorf("LookupNames(%s) = %q, %q, %t; want %q, %q, %t", c.pkg.Name, eco, names, ok, c.eco, c.names, c.ok)
		}
	}
}
