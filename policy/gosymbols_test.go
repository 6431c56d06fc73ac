package policy_test

import (
	"context"
	"errors"
	"testing"

	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/match"
	"github.com/drydock/drydock/policy"
)

func TestGoSymbolsRequire(t *testing.T) {
	inv := &inventory.Inventory{Source: "oci:./app"}
	goFinding := func(id, status string) match.Finding {
		return match.Finding{ID: id, IDs: []string{id}, Severity: match.SeverityHigh, GoSymbols: status,
			Symbols: []string{"golang.org/x/text/language.Parse"},
			Package: inventory.Package{Name: "golang.org/x/text", Version: "v0.3.6", Type: inventory.TypeGoModule, Path: "app/server"}}
	}
	findings := []match.Finding{
		goFinding("CVE-2021-38561", match.SymbolsPresent),
		goFinding("CVE-2022-32149", match.SymbolsAbsent),
		goFinding("CVE-2020-28851", match.SymbolsUnknown),
	}
	const head = "apiVersion: drydock/v1\nkind: Policy\nseverity:\n  failOn: high\n"
	tests := []struct {
		name           string
		policy         string
		wantSuppressed []string
	}{
		{"off by default", head, nil},
		{"off", head + "goSymbols: off\n", nil},
		{"require", head + "goSymbols: require\n", []string{"CVE-2022-32149"}},
	}
	for _, tt := range tests {
		p, err := policy.Parse([]byte(tt.policy), "p.yaml")
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		v, err := p.Evaluate(context.Background(), policy.Input{Inventory: inv, Findings: findings})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range v.Suppressed {
			if s.By != policy.ByGoSymbols {
				t.Errorf("%s: %s suppressed by %s", tt.name, s.FindingID, s.By)
			}
			got = append(got, s.FindingID)
		}
		if len(got) != len(tt.wantSuppressed) || (len(got) == 1 && got[0] != tt.wantSuppressed[0]) {
			t.Errorf("%s: suppressed %q, want %q", tt.name, got, tt.wantSuppressed)
		}
		if v.Pass {
			t.Errorf("%s: passes, want a failure (a present and an unknown high finding still count)", tt.name)
		}
	}
	_, err := policy.Parse([]byte(head+"goSymbols: sometimes\n"), "p.yaml")
	var le *policy.LoadError
	if !errors.As(err, &le) || le.Field != "goSymbols" || le.Line != 5 {
		t.Errorf("goSymbols: sometimes: %v, want a LoadError at line 5 naming goSymbols", err)
	}
}
