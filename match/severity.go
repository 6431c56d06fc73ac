package match

import (
	"fmt"
	"strings"
)

// Severity levels, in increasing order. Unknown is never guessed upward.
type Severity int

const (
	SeverityUnknown Severity = iota
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityNames = [...]string{"unknown", "low", "medium", "high", "critical"}

// String returns the lower-case name ("critical" … "unknown").
func (s Severity) String() string {
	if s < SeverityUnknown || s > SeverityCritical {
		return fmt.Sprintf("Severity(%d)", int(s))
	}
	return severityNames[s]
}

// MarshalText writes the lower-case name, so JSON and YAML carry words.
func (s Severity) MarshalText() ([]byte, error) {
	if s < SeverityUnknown || s > SeverityCritical {
		return nil, &SeverityError{Input: s.String()}
	}
	return []byte(severityNames[s]), nil
}

// UnmarshalText accepts what ParseSeverity accepts.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// ParseSeverity reads a severity name, case-insensitively: "unknown", "low",
// "medium" (or "moderate", GitHub's and Red Hat's word), "high", "critical".
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "unknown":
		return SeverityUnknown, nil
	case "low":
		return SeverityLow, nil
	case "medium", "moderate":
		return SeverityMedium, nil
	case "high":
		return SeverityHigh, nil
	case "critical":
		return SeverityCritical, nil
	}
	return SeverityUnknown, &SeverityError{Input: s}
}

// SeverityError is a severity name that is not one of the five; it is bad
// input.
type SeverityError struct{ Input string }

func (e *SeverityError) Error() string {
	return fmt.Sprintf("match: unknown severity %q (want unknown, low, medium, high or critical)", e.Input)
}

// InvalidInput reports true.
func (e *SeverityError) InvalidInput() bool { return true }
