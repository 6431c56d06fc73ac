package match_test

import (
	"context"
	"slices"
	"testing"

	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/match"
)

func TestGoSymbolPresence(t *testing.T) {
	text := func(symbols []string) inventory.Package {
		p := pkg(inventory.TypeGoModule, "Go", "golang.org/x/text", "v0.3.6")
		p.Symbols = symbols
		return p
	}
	tests := []struct {
		name string
		pkg  inventory.Package
		// want is "ID status symbols…" per finding.
		want []string
	}{
		{"calls Parse", text([]string{"golang.org/x/text/language.CanonType.Parse", "golang.org/x/text/language.Parse"}), []string{
			"CVE-2021-38561 present [golang.org/x/text/language.Parse]",
			"CVE-2022-32149 absent [golang.org/x/text/language.MatchStrings golang.org/x/text/language.ParseAcceptLanguage]",
		}},
		{"only norm", text([]string{"golang.org/x/text/unicode/norm.Form.String"}), []string{
			"CVE-2021-38561 absent [golang.org/x/text/language.MatchStrings golang.org/x/text/language.MustParse golang.org/x/text/language.Parse golang.org/x/text/language.ParseAcceptLanguage]",
			"CVE-2022-32149 absent [golang.org/x/text/language.MatchStrings golang.org/x/text/language.ParseAcceptLanguage]",
		}},
		{"table not read", text(nil), []string{"CVE-2021-38561 unknown []", "CVE-2022-32149 unknown []"}},
		{"table read, module has no functions", text([]string{}), []string{
			"CVE-2021-38561 absent [golang.org/x/text/language.MatchStrings golang.org/x/text/language.MustParse golang.org/x/text/language.Parse golang.org/x/text/language.ParseAcceptLanguage]",
			"CVE-2022-32149 absent [golang.org/x/text/language.MatchStrings golang.org/x/text/language.ParseAcceptLanguage]",
		}},
	}
	db := goVulnDB(t)
	for _, tt := range tests {
		got, err := match.Match(context.Background(), &inventory.Inventory{Packages: []inventory.Package{tt.pkg}}, db)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, f := range got {
			keys = append(keys, f.ID+" "+f.GoSymbols+" "+fmtList(f.Symbols))
		}
		if !slices.Equal(keys, tt.want) {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, keys, tt.want)
		}
	}
	// Not a Go package: no symbol verdict at all.
	got, err := match.Match(context.Background(), &inventory.Inventory{Packages: []inventory.Package{pkg(inventory.TypeNPM, "npm", "ip", "2.0.0")}}, fixtures(t))
	if err != nil || len(got) == 0 || got[0].GoSymbols != "" {
		t.Errorf("npm finding: %+v, %v; want one without a symbol verdict", got, err)
	}
}

func fmtList(s []string) string {
	out := "["
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out + "]"
}
