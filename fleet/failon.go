package fleet

import (
	"fmt"
	"strings"

	"github.com/drydock/drydock/match"
)

// FailOnError says that running images carry findings at or above a
// severity: a policy failure (drydock audit --fail-on exits 1), not an
// error of the audit.
type FailOnError struct {
	// Threshold is the severity asked about.
	Threshold match.Severity
	// Counts are the findings at or above Threshold across running
	// images, per severity (those below are zero).
	Counts Counts
}

func (e *FailOnError) Error() string {
	var parts []string
	for _, p := range []struct {
		n    int
		name string
	}{{e.Counts.Critical, "critical"}, {e.Counts.High, "high"}, {e.Counts.Medium, "medium"}, {e.Counts.Low, "low"}, {e.Counts.Unknown, "unknown"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.name))
		}
	}
	return fmt.Sprintf("fleet: %d findings at or above %s in running images (%s)", e.Counts.Total(), e.Threshold, strings.Join(parts, ", "))
}

// FailOn returns a *FailOnError when running images carry findings at or
// above sev, nil otherwise. Images that could not be cataloged have no
// findings and do not count.
func (r *Report) FailOn(sev match.Severity) error {
	var c Counts
	at := func(s match.Severity, n int) int {
		if s >= sev {
			return n
		}
		return 0
	}
	c.Critical = at(match.SeverityCritical, r.Counts.Critical)
	c.High = at(match.SeverityHigh, r.Counts.High)
	c.Medium = at(match.SeverityMedium, r.Counts.Medium)
	c.Low = at(match.SeverityLow, r.Counts.Low)
	c.Unknown = at(match.SeverityUnknown, r.Counts.Unknown)
	if c.Total() == 0 {
		return nil
	}
	return &FailOnError{Threshold: sev, Counts: c}
}
