package policy

import (
	"strings"

	"github.com/drydock/drydock/match"
)

// severityNames are the words a policy file uses; match.Severity is ordered,
// so a threshold is a comparison.
var severityNames = []struct {
	name string
	sev  match.Severity
}{
	{"unknown", match.SeverityUnknown},
	{"low", match.SeverityLow},
	{"medium", match.SeverityMedium},
	{"high", match.SeverityHigh},
	{"critical", match.SeverityCritical},
}

// parseSeverity reads a severity word, case-insensitively. Empty means
// unknown. allowUnknown says whether "unknown" may be written: a failOn of
// unknown would be a threshold that never fires, which is a mistake.
func parseSeverity(s string, allowUnknown bool) (match.Severity, error) {
	if s == "" {
		return match.SeverityUnknown, nil
	}
	for _, n := range severityNames {
		if strings.EqualFold(s, n.name) {
			if n.sev == match.SeverityUnknown && !allowUnknown {
				break
			}
			return n.sev, nil
		}
	}
	want := "low, medium, high or critical"
	if allowUnknown {
		want = "unknown, " + want
	}
	return 0, detail(ErrInvalidValue, "severity %q is not one of %s", s, want)
}

// severityName is the word for sev; out-of-range values read "unknown".
func severityName(sev match.Severity) string {
	for _, n := range severityNames {
		if n.sev == sev {
			return n.name
		}
	}
	return "unknown"
}
