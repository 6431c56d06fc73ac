package policy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/match"
)

func TestCELRules(t *testing.T) {
	telnetd := inventory.Package{Name: "telnetd", Version: "0.17+2.4-2", Type: inventory.TypeDeb, PURL: "pkg:deb/debian/telnetd@0.17%2B2.4-2", SourceName: "inetutils"}
	kev := newFinding(t, "CVE-2023-4911", match.SeverityHigh, "libc6", "2.36-9+deb12u3")
	kev.KEV = true
	epss := 0.97
	hot := newFinding(t, "CVE-2023-38545", match.SeverityCritical, "curl")
	hot.EPSS = &epss
	tests := []struct {
		name     string
		rule     string // the rule's YAML lines, indented under "- "
		extra    []inventory.Package
		findings []match.Finding
		violated bool
		wantIDs  []string
	}{
		{
			name:  "deny over packages, violated",
			rule:  "name: no-telnetd\n    message: telnetd must not be installed\n    deny: packages.exists(p, p.name == 'telnetd')",
			extra: []inventory.Package{telnetd}, violated: true,
		},
		{
			name: "deny over packages, not violated",
			rule: "name: no-telnetd\n    message: telnetd must not be installed\n    deny: packages.exists(p, p.name == 'telnetd')",
		},
		{
			name:     "deny over findings with ids, violated",
			rule:     "name: no-kev\n    message: known exploited\n    deny: findings.exists(f, f.kev)\n    ids: findings.filter(f, f.kev).map(f, f.id)",
			findings: []match.Finding{kev, hot}, violated: true, wantIDs: []string{"CVE-2023-4911"},
		},
		{
			name:     "deny over findings, not violated",
			rule:     "name: no-kev\n    message: known exploited\n    deny: findings.exists(f, f.kev)\n    ids: findings.filter(f, f.kev).map(f, f.id)",
			findings: []match.Finding{hot},
		},
		{
			name:     "EPSS and severity fields",
			rule:     "name: hot\n    message: likely exploited\n    deny: findings.exists(f, has(f.epss) && f.epss > 0.9 && f.severity == 'critical' && !f.fixable)\n    ids: findings.filter(f, f.epss > 0.9).map(f, f.id + ' in ' + f.package.name)",
			findings: []match.Finding{kev, hot}, violated: true, wantIDs: []string{"CVE-2023-38545 in curl"},
		},
		{
			name: "allow over image, holds",
			rule: "name: debian-12\n    message: build on Debian 12\n    allow: image.os.id == 'debian' && image.os.versionId == '12' && image.platform == 'linux/amd64'",
		},
		{
			name:     "allow over image, violated",
			rule:     "name: alpine\n    message: build on Alpine\n    allow: image.os.id == 'alpine'",
			violated: true,
		},
		{
			name: "time: created within 60 days of now",
			rule: "name: fresh\n    message: rebuild monthly\n    allow: has(image.created) && now - image.created < duration('1440h')",
		},
		{
			name:     "layers and build steps",
			rule:     "name: no-copied-server\n    message: the server must be built in the image, not copied in\n    deny: image.layers.exists(l, l.createdBy.contains('COPY server'))",
			violated: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustParse(t, "rules:\n  - "+tt.rule+"\n")
			inv := testInventory()
			inv.Packages = append(inv.Packages, tt.extra...)
			v := mustEvaluate(t, p, Input{Inventory: inv, Findings: tt.findings})
			if v.Pass == tt.violated {
				t.Fatalf("Pass = %v, want %v (reasons %v)", v.Pass, !tt.violated, v.Reasons)
			}
			if !tt.violated {
				return
			}
			r := v.Reasons[0]
			if r.Rule != p.rules[0].name || r.Message != p.rules[0].message {
				t.Errorf("reason %v, want rule %q with message %q", r, p.rules[0].name, p.rules[0].message)
			}
			if !slices.Equal(r.IDs, tt.wantIDs) {
				t.Errorf("IDs = %q, want %q", r.IDs, tt.wantIDs)
			}
		})
	}
}

// Rules see only the findings that still count: a suppressed KEV finding
// does not trip a KEV rule.
func TestCELSeesCountingFindings(t *testing.T) {
	p := mustParse(t, `
exceptions:
  - id: CVE-2023-4911
    reason: setuid binaries are removed from this image
    expires: 2026-12-31
rules:
  - name: no-kev
    message: known exploited
    deny: findings.exists(f, f.kev)
`)
	f := newFinding(t, "CVE-2023-4911", match.SeverityHigh, "libc6")
	f.KEV = true
	if v := mustEvaluate(t, p, Input{Findings: []match.Finding{f}}); !v.Pass {
		t.Errorf("reasons %v, want pass: the only KEV finding is excepted", v.Reasons)
	}
}

func TestCELCompileErrors(t *testing.T) {
	tests := []struct {
		name string
		expr string
		want string
	}{
		{"unknown variable", "pkgs.size() > 0", "undeclared reference to 'pkgs'"},
		{"unknown field", "image.nmae == 'x'", "undefined field 'nmae'"},
		{"wrong operand type", "findings.exists(f, f.score > 'high')", "no matching overload"},
		{"not bool", "packages.size()", "type int, want bool"},
		{"syntax", "packages.exists(p,", "Syntax error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(policyYAML("rules:\n  - name: bad\n    message: m\n    deny: \""+tt.expr+"\"\n"), "rules.yaml")
			if !errors.Is(err, ErrRuleCompile) {
				t.Fatalf("error %v, want ErrRuleCompile", err)
			}
			for _, want := range []string{"rules.yaml:6", `rule "bad"`, tt.want} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
		})
	}
}

// A hostile rule cannot hang the server: its cost is bounded and the
// evaluation ends with a RuleError (an internal error), not a verdict.
func TestCELCostBomb(t *testing.T) {
	bomb := "rules:\n  - name: bomb\n    message: m\n    deny: packages.all(a, packages.all(b, packages.all(c, packages.all(d, a.name + b.name + c.name != d.name))))\n"
	p := mustParse(t, bomb)
	inv := testInventory()
	for i := range 200 {
		inv.Packages = append(inv.Packages, debPkg("pkg"+strings.Repeat("x", i%7), "1", "src"))
	}
	start := time.Now()
	_, err := p.Evaluate(context.Background(), Input{Inventory: inv, Now: testNow})
	elapsed := time.Since(start)
	var re *RuleError
	if !errors.As(err, &re) || re.Rule != "bomb" {
		t.Fatalf("Evaluate error = %v, want a *RuleError for rule bomb", err)
	}
	if !strings.Contains(err.Error(), "cost limit exceeded") {
		t.Errorf("error %q does not say the cost limit was exceeded", err)
	}
	if elapsed > 5*time.Second {
		t.Errorf("bounded evaluation took %v", elapsed)
	}
	var ec interface{ InvalidInput() bool }
	if errors.As(err, &ec) && ec.InvalidInput() {
		t.Errorf("a rule that cannot run is reported as bad input; want an internal error")
	}

	// A lower limit stops a rule that the default allows.
	small := "rules:\n  - name: scan-all\n    message: m\n    deny: packages.exists(p, p.name == 'telnetd')\n"
	if _, err := mustParse(t, small, WithCostLimit(5)).Evaluate(context.Background(), Input{Inventory: inv}); !errors.As(err, &re) {
		t.Errorf("cost limit 5: error %v, want a *RuleError", err)
	}
	if _, err := mustParse(t, small).Evaluate(context.Background(), Input{Inventory: inv}); err != nil {
		t.Errorf("default cost limit: %v", err)
	}
}

// Many rules that each stay under the limit still share one budget, so a
// policy cannot multiply the bound by repeating a costly rule.
func TestCELCostBudgetAcrossRules(t *testing.T) {
	var b strings.Builder
	b.WriteString("rules:\n")
	for i := range 50 {
		fmt.Fprintf(&b, "  - name: r%d\n    message: m\n    deny: packages.all(a, packages.all(b, a.name != b.name + 'x'))\n", i)
	}
	inv := testInventory()
	for range 300 {
		inv.Packages = append(inv.Packages, debPkg("p", "1", "s"))
	}
	// One rule costs about 304² × a few units: under the limit alone.
	one := mustParse(t, "rules:\n  - name: r0\n    message: m\n    deny: packages.all(a, packages.all(b, a.name != b.name + 'x'))\n")
	if _, err := one.Evaluate(context.Background(), Input{Inventory: inv, Now: testNow}); err != nil {
		t.Fatalf("one rule: %v", err)
	}
	_, err := mustParse(t, b.String()).Evaluate(context.Background(), Input{Inventory: inv, Now: testNow})
	var re *RuleError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "cost limit") {
		t.Fatalf("50 costly rules: error %v, want a *RuleError about the cost limit", err)
	}
	if re.Rule == "r0" || re.Rule == "r49" {
		t.Errorf("budget ran out at rule %s; want a rule in the middle", re.Rule)
	}
}

func TestCELDeadline(t *testing.T) {
	bomb := "rules:\n  - name: bomb\n    message: m\n    deny: packages.all(a, packages.all(b, packages.all(c, packages.all(d, a.name != d.name + 'x'))))\n"
	p := mustParse(t, bomb, WithCostLimit(1<<50))
	inv := testInventory()
	for range 300 {
		inv.Packages = append(inv.Packages, debPkg("p", "1", "s"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := p.Evaluate(ctx, Input{Inventory: inv, Now: testNow})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Evaluate past its deadline: %v, want context.DeadlineExceeded", err)
	}
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("interrupted evaluation took %v", elapsed)
	}
}

func TestCELCancelled(t *testing.T) {
	p := mustParse(t, "rules:\n  - name: no-telnetd\n    message: m\n    deny: packages.exists(p, p.name == 'telnetd')\n")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Evaluate(ctx, Input{Inventory: testInventory()}); !errors.Is(err, context.Canceled) {
		t.Errorf("Evaluate on a cancelled context: %v, want context.Canceled", err)
	}
}
