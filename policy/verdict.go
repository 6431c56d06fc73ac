package policy

import (
	"slices"
	"strings"
	"time"

	"github.com/drydock/drydock/inventory"
	"github.com/drydock/drydock/match"
)

// Input is what a policy judges: one image's inventory and its findings at a
// point in time.
type Input struct {
	// Inventory is the image's catalog; required.
	Inventory *inventory.Inventory
	// Findings are the image's vulnerability findings, before any
	// suppression; the policy decides which of them count.
	Findings []match.Finding
	// Now is the time of judgement, for exception expiry and image age.
	// Zero means time.Now(). Tests and audits replaying a decision set it.
	Now time.Time

	// Later rules add fields here rather than new entry points: verified
	// signatures (for required signers) and provenance attestations (for
	// required builders and source repositories).
}

// Built-in rule names, as they appear in Reason.Rule. Custom rules use their
// own names, which cannot contain a dot, so the two never collide.
const (
	RuleSeverity   = "severity.failOn"
	RuleRegistries = "registries.allowed"
	RuleMaxAge     = "maxAge"
	RuleIntegrity  = "integrity"
)

// Verdict is the policy's decision on one input, with everything an audit
// log, a CI log or an admission response needs to explain it.
type Verdict struct {
	// Policy names the policy (and its digest) that decided.
	Policy PolicyID `json:"policy"`
	// Image is the digest judged, so a stored verdict names what it is about.
	Image string `json:"image,omitempty"`
	// At is the time of judgement (Input.Now, or the clock when unset), so
	// a stored verdict can be replayed with the same expiry and age checks.
	At time.Time `json:"at"`
	// Pass is true when no rule failed.
	Pass bool `json:"pass"`
	// Reasons lists every rule that failed, in policy order.
	Reasons []Reason `json:"reasons,omitempty"`
	// Suppressed lists findings that an exception or a VEX statement removed.
	Suppressed []Suppression `json:"suppressed,omitempty"`
	// Notes say things the reader should know that did not fail the verdict:
	// an expired exception, findings not counted because unfixed, a policy
	// that enforces nothing.
	Notes []string `json:"notes,omitempty"`
	// Findings are the findings still counting after suppressions and
	// fixableOnly, in input order.
	Findings []match.Finding `json:"findings,omitempty"`
	// FailOn is the severity threshold the policy applied; SeverityUnknown
	// when it has none. Reports show it rather than work it out again.
	FailOn match.Severity `json:"failOn,omitempty"`
	// Blocking are the IDs of the counting findings at or above FailOn
	// (sorted, each once): the findings that fail the severity rule.
	Blocking []string `json:"blocking,omitempty"`
}

// Blocks reports whether the finding with this ID fails the severity rule.
func (v *Verdict) Blocks(id string) bool {
	if v == nil {
		return false
	}
	_, found := slices.BinarySearch(v.Blocking, id)
	return found
}

// Reason is one failed rule.
type Reason struct {
	// Rule is a Rule* constant or a custom rule's name.
	Rule string `json:"rule"`
	// Message says what is wrong, in words for a person.
	Message string `json:"message"`
	// IDs are the vulnerability IDs (or other names) the reason is about.
	IDs []string `json:"ids,omitempty"`
}

func (r Reason) String() string {
	s := r.Rule + ": " + r.Message
	if len(r.IDs) > 0 {
		const show = 10
		ids := r.IDs
		more := ""
		if len(ids) > show {
			ids, more = ids[:show], ", …"
		}
		s += " (" + strings.Join(ids, ", ") + more + ")"
	}
	return s
}

// Suppression sources.
const (
	ByException = "exception"
	ByVEX       = "vex"
	// ByGoSymbols: the policy's goSymbols: require, for a Go finding
	// whose vulnerable functions are not compiled into the binary.
	ByGoSymbols = "goSymbols"
)

// Suppression is one finding the policy removed and why.
type Suppression struct {
	// FindingID is the finding's primary ID.
	FindingID string `json:"findingId"`
	// Package is the PURL (else the name) of the package the finding is in.
	Package string `json:"package,omitempty"`
	// By is ByException, ByVEX or ByGoSymbols.
	By string `json:"by"`
	// Reason is the exception's reason or the VEX status and justification.
	Reason string `json:"reason"`
}

// Err is nil for a passing verdict and a *Failure listing every reason
// otherwise, for callers that turn verdicts into exit codes.
func (v *Verdict) Err() error {
	if v == nil || v.Pass {
		return nil
	}
	return &Failure{Policy: v.Policy, Reasons: v.Reasons}
}
