package policy

import (
	"fmt"

	"github.com/drydock/drydock/match"
)

// Option changes a policy after its file is read (or changes Default()), for
// command-line flags such as `drydock scan --fail-on high` that must win over
// the file.
type Option func(*settings) error

// settings are what options may change.
type settings struct {
	failOn      *match.Severity
	fixableOnly bool
	vexPaths    []string
	baseDir     string
	costLimit   uint64

	severitySource string
	severities     []match.Severity
	failOnAny      bool
	ignores        []exception
}

// DefaultCostLimit bounds the CEL cost of the custom rules in one
// evaluation. A cost unit is roughly one operation; a rule over 300 packages
// costs a few thousand, so legitimate policies stay far below it, while a
// hostile one (nested comprehensions) is stopped in well under a second.
const DefaultCostLimit = 1_000_000

// WithFailOn fails the verdict on any counting finding at or above sev,
// replacing the file's severity.failOn. Default: the file's setting, or no
// threshold at all for Default(). sev must be Low, Medium, High or Critical.
func WithFailOn(sev match.Severity) Option {
	return func(s *settings) error {
		if sev < match.SeverityLow || sev > match.SeverityCritical {
			return &LoadError{Field: "--fail-on", Err: detail(ErrInvalidOption, "severity %d is not one of low, medium, high, critical", sev)}
		}
		s.failOn = &sev
		return nil
	}
}

// WithIgnoreUnfixed makes only findings with a fixed version count, as
// fixableOnly: true does in a file. Default: the file's setting (false when
// absent).
func WithIgnoreUnfixed() Option {
	return func(s *settings) error {
		s.fixableOnly = true
		return nil
	}
}

// WithVEX adds OpenVEX documents to those the file lists. Paths are used as
// given (relative to the working directory). Default: none added.
func WithVEX(paths ...string) Option {
	return func(s *settings) error {
		for _, p := range paths {
			if p == "" {
				return &LoadError{Field: "--vex", Err: detail(ErrInvalidOption, "empty VEX path")}
			}
		}
		s.vexPaths = append(s.vexPaths, paths...)
		return nil
	}
}

// WithBaseDir sets the folder that relative `vex:` paths in the file are read
// from. Default: the policy file's folder for Load, the working directory for
// Parse.
func WithBaseDir(dir string) Option {
	return func(s *settings) error {
		s.baseDir = dir
		return nil
	}
}

// WithCostLimit bounds the CEL runtime cost of the custom rules in one
// evaluation: a rule that reaches it is stopped, and once the rules together
// have spent it no further rule starts, so the total stays under twice the
// limit. Either way Evaluate returns a *RuleError. Default: DefaultCostLimit.
// It must be positive.
func WithCostLimit(limit uint64) Option {
	return func(s *settings) error {
		if limit == 0 {
			return &LoadError{Field: "costLimit", Err: detail(ErrInvalidOption, "cost limit must be positive")}
		}
		s.costLimit = limit
		return nil
	}
}

func applyOptions(s *settings, opts []Option) error {
	for i, o := range opts {
		if o == nil {
			return &LoadError{Err: detail(ErrInvalidOption, "option %d is nil", i)}
		}
		if err := o(s); err != nil {
			return fmt.Errorf("policy option: %w", err)
		}
	}
	return nil
}
