package match_test

import (
	"context"
	"slices"
	"testing"

	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/match"
)

// A package without a version (a Go main module built outside a checkout,
// a jar that names none) is not matched, and the match says so: compared as
// "" it would be the oldest version and affected by every record.
func TestUnversionedPackagesAreNotMatched(t *testing.T) {
	for name, src := range sources(t) {
		t.Run(name, func(t *testing.T) {
			inv := &inventory.Inventory{Packages: []inventory.Package{
				pkg(inventory.TypeGoModule, "Go", "golang.org/x/net", ""),
				pkg(inventory.TypeGoModule, "Go", "golang.org/x/net", "v0.16.0"),
			}}
			var warnings []string
			got, err := match.Match(context.Background(), inv, src, match.WithWarnings(func(m string) { warnings = append(warnings, m) }))
			if err != nil {
				t.Fatal(err)
			}
			var versions []string
			for _, f := range got {
				versions = append(versions, f.Package.Version)
			}
			if !slices.Equal(versions, []string{"v0.16.0"}) {
				t.Errorf("findings on versions %q, want one on v0.16.0 only", versions)
			}
			if want := []string{"1 go-module package(s) have no version and were not matched"}; !slices.Equal(warnings, want) {
				t.Errorf("warnings %q, want %q", warnings, want)
			}
		})
	}
}
