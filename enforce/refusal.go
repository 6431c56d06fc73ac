package enforce

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/match"
	"github.com/drydock/drydock/policy"
	"github.com/drydock/drydock/registry"
)

// showFindings is how many vulnerabilities a refusal names with their fix.
const showFindings = 3

// refusalFor says, in one line a person can act on, why v refuses dgst:
// the policy's reasons, then the worst findings with the versions that fix
// them.
func refusalFor(dgst digest.Digest, v *policy.Verdict) *registry.Refusal {
	var b strings.Builder
	fmt.Fprintf(&b, "quarantined: %s fails policy %q", short(dgst), v.Policy.Name)
	for _, r := range v.Reasons {
		b.WriteString("; ")
		b.WriteString(r.String())
	}
	if fix := fixes(v); fix != "" {
		b.WriteString("; ")
		b.WriteString(fix)
	}
	return &registry.Refusal{Message: b.String()}
}

// fixes names the worst counting findings and what fixes each.
func fixes(v *policy.Verdict) string {
	fs := slices.Clone(v.Findings)
	slices.SortStableFunc(fs, func(a, b match.Finding) int {
		return cmp.Or(cmp.Compare(b.Severity, a.Severity), cmp.Compare(a.ID, b.ID))
	})
	var parts []string
	for i := range fs {
		if len(parts) == showFindings {
			break
		}
		f := &fs[i]
		fix := "no fixed version yet"
		if len(f.Fixed) > 0 {
			fix = "fixed in " + strings.Join(f.Fixed, ", ")
		}
		parts = append(parts, fmt.Sprintf("%s (%s) in %s %s: %s", f.ID, f.Severity, f.Package.Name, f.Installed, fix))
	}
	if len(parts) == 0 {
		return ""
	}
	s := "first vulnerabilities: " + strings.Join(parts, "; ")
	if len(fs) > showFindings {
		s += fmt.Sprintf("; and %d more", len(fs)-showFindings)
	}
	return s
}

// short writes a digest as algorithm and the first 12 hex digits.
func short(d digest.Digest) string {
	s := d.String()
	if i := strings.IndexByte(s, ':'); i >= 0 && len(s) > i+13 {
		return s[:i+13]
	}
	return s
}
