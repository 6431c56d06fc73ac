package policy

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/openvex/go-vex/pkg/vex"

	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/match"
)

// Evaluate judges one input. It returns a verdict, passing or failing, for
// every input it could judge; an error means it could not judge at all (no
// inventory, a custom rule that failed to run or ran out of cost, a
// cancelled context), and then there is no verdict to act on.
func (p *Policy) Evaluate(ctx context.Context, in Input) (*Verdict, error) {
	if in.Inventory == nil {
		return nil, errNoInventoryToJudge
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now := in.Now
	if now.IsZero() {
		now = time.Now()
	}
	inv := in.Inventory
	v := &Verdict{Policy: p.id, Image: inv.Digest, At: now.UTC()}
	if p.enforcesNothing() {
		if p.integrityWarn {
			v.Notes = append(v.Notes, fmt.Sprintf("policy %q enforces no rule: every image passes", p.id.Name))
		} else {
			v.Notes = append(v.Notes, fmt.Sprintf("policy %q enforces no rule but integrity: every image without hostile layer entries passes", p.id.Name))
		}
	}
	p.checkIntegrity(v, inv)

	counting := p.outsideSeverities(v, p.suppress(v, inv, in.Findings, now))
	p.checkSeverity(v, counting)
	p.checkAny(v, counting)
	p.checkRegistry(v, inv)
	p.checkAge(v, inv, now)
	if len(p.rules) > 0 {
		vars := celVars(inv, counting, p.effective, now)
		// One cost budget for all rules together: each program stops itself
		// at the limit, and no further rule starts once the total passes it,
		// so a policy of many costly rules is bounded as well as one.
		var spent uint64
		for _, r := range p.rules {
			if spent > p.costLimit {
				return nil, &RuleError{Rule: r.name, Err: fmt.Errorf("not started: the rules before it used %d of the policy's cost limit of %d", spent, p.costLimit)}
			}
			violated, ids, err := r.check(ctx, vars, &spent)
			if err != nil {
				return nil, err
			}
			if violated {
				v.Reasons = append(v.Reasons, Reason{Rule: r.name, Message: r.message, IDs: ids})
			}
		}
	}
	v.Findings = counting
	v.Pass = len(v.Reasons) == 0
	return v, nil
}

// suppress applies exceptions, then VEX, then goSymbols, then fixableOnly,
// and returns the findings that still count. Exceptions come first because they are the
// policy owner's own word; a finding both excepted and VEX'd is reported once.
func (p *Policy) suppress(v *Verdict, inv *inventory.Inventory, findings []match.Finding, now time.Time) []match.Finding {
	counting := make([]match.Finding, 0, len(findings))
	expiredUsed := make([]bool, len(p.exceptions))
	unfixed := 0
	actions := map[*vex.Statement]bool{} // one note per "affected" statement
next:
	for i := range findings {
		f := &findings[i]
		for ei := range p.exceptions {
			e := &p.exceptions[ei]
			if !e.matches(f) {
				continue
			}
			if e.expired(now) {
				expiredUsed[ei] = true
				continue
			}
			v.Suppressed = append(v.Suppressed, Suppression{FindingID: f.ID, Package: packageName(f), By: ByException, Reason: e.reason})
			continue next
		}
		if vv := vexFor(p.vex, inv, f); vv != nil {
			if vv.suppresses() {
				v.Suppressed = append(v.Suppressed, Suppression{FindingID: f.ID, Package: packageName(f), By: ByVEX, Reason: vv.reason()})
				continue
			}
			// An "affected" statement carries what to do about it; the
			// reader of a failing verdict wants that next to the finding.
			if vv.stmt.Status == vex.StatusAffected && vv.stmt.ActionStatement != "" && !actions[vv.stmt] {
				actions[vv.stmt] = true
				v.Notes = append(v.Notes, fmt.Sprintf("VEX: %s affects this image; action: %s", vv.stmt.Vulnerability.Name, vv.stmt.ActionStatement))
			}
		}
		if p.goSymbols && f.GoSymbols == match.SymbolsAbsent {
			v.Suppressed = append(v.Suppressed, Suppression{FindingID: f.ID, Package: packageName(f), By: ByGoSymbols,
				Reason: "not affected: none of the vulnerable functions is compiled into " + f.Package.Path + " (" + strings.Join(f.Symbols, ", ") + ")"})
			continue
		}
		if p.fixableOnly && len(f.Fixed) == 0 {
			unfixed++
			continue
		}
		counting = append(counting, *f)
	}
	for ei := range p.exceptions {
		e := &p.exceptions[ei]
		if !e.expired(now) {
			continue
		}
		n := fmt.Sprintf("exception for %s expired on %s and no longer applies", e.describe(), e.until)
		if expiredUsed[ei] {
			n += "; its findings count again"
		}
		v.Notes = append(v.Notes, n)
	}
	if unfixed > 0 {
		v.Notes = append(v.Notes, fmt.Sprintf("%d finding(s) without a fixed version not counted (fixableOnly)", unfixed))
	}
	return counting
}

// checkIntegrity fails the image for each layer entry that climbs out of
// the root, or notes them where the policy says `integrity: warn`.
func (p *Policy) checkIntegrity(v *Verdict, inv *inventory.Inventory) {
	n := len(inv.Integrity)
	if n == 0 {
		return
	}
	ids := make([]string, n)
	for i, f := range inv.Integrity {
		ids[i] = fmt.Sprintf("layer %d: %s", f.Layer, f.Entry)
	}
	msg := fmt.Sprintf("%d layer %s outside the image root (no build tool writes one)",
		n, plural(n, "entry reaches", "entries reach"))
	if p.integrityWarn {
		v.Notes = append(v.Notes, fmt.Sprintf("%s: %s; not failing (integrity: warn)", msg, strings.Join(ids, ", ")))
		return
	}
	v.Reasons = append(v.Reasons, Reason{Rule: RuleIntegrity, Message: msg, IDs: ids})
}

func (p *Policy) checkSeverity(v *Verdict, counting []match.Finding) {
	v.FailOn = p.failOn
	if p.failOn == match.SeverityUnknown {
		return
	}
	var ids []string
	for i := range counting {
		if p.effective(&counting[i]) >= p.failOn {
			ids = append(ids, counting[i].ID)
		}
	}
	if len(ids) == 0 {
		return
	}
	findings := len(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	v.Blocking = ids
	// Counted as the report's summary counts: findings (a vulnerability in
	// one package) and the distinct IDs among them, each named as such.
	v.Reasons = append(v.Reasons, Reason{
		Rule: RuleSeverity,
		Message: fmt.Sprintf("%d finding%s (%d distinct ID%s) at or above %s",
			findings, plural(findings, "", "s"), len(ids), plural(len(ids), "", "s"), severityName(p.failOn)),
		IDs: ids,
	})
}

func packageName(f *match.Finding) string {
	if f.Package.PURL != "" {
		return f.Package.PURL
	}
	return f.Package.Name
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
