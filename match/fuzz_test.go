package match_test

import (
	"context"
	"strings"
	"testing"

	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/match"
)

// FuzzInstalledVersion feeds arbitrary installed versions of packages that
// have fixture advisories, in every ecosystem drydock compares: bad input
// may warn, never panic or fail the match.
func FuzzInstalledVersion(f *testing.F) {
	for _, seed := range []string{"", "1:", "1:2.36-9", "~~", "v", "v1.2.3-", "2.0-beta9", "1.0rc1.post2.dev3", "3.1.4-r5_p1", "-", ":", "0:", "1..2", "\x00", "9999999999999999999999.1", strings.Repeat("1", 300)} {
		f.Add(seed)
	}
	src, err := match.LoadDir("testdata/osv")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, v string) {
		inv := &inventory.Inventory{Packages: []inventory.Package{
			deb("libc6", v, "glibc", ""),
			pkg(inventory.TypeAPK, "Alpine:v3.19", "openssl", v),
			pkg(inventory.TypePython, "PyPI", "requests", v),
			pkg(inventory.TypeJava, "Maven", "org.apache.logging.log4j:log4j-core", v),
			pkg(inventory.TypeGoModule, "Go", "golang.org/x/net", v),
			pkg(inventory.TypeGoStdlib, "Go", "stdlib", v),
			pkg(inventory.TypeNPM, "npm", "ip", v),
			pkg(inventory.TypeRust, "crates.io", "openssl", v),
		}}
		if _, err := match.Match(context.Background(), inv, src, match.WithWarnings(func(string) {})); err != nil {
			t.Fatalf("Match with version %q: %v", v, err)
		}
	})
}
