package policy

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors say what kind of mistake a policy file holds; a *LoadError
// wraps one of them with the file, line and field, so callers can test the
// kind with errors.Is and read the place with errors.As.
var (
	ErrSyntax             = errors.New("policy: malformed YAML")
	ErrUnknownAPIVersion  = errors.New("policy: unknown apiVersion")
	ErrUnknownKind        = errors.New("policy: unknown kind")
	ErrUnknownField       = errors.New("policy: unknown field")
	ErrMissingField       = errors.New("policy: required field missing")
	ErrInvalidValue       = errors.New("policy: invalid value")
	ErrRuleCompile        = errors.New("policy: rule does not compile")
	ErrVEX                = errors.New("policy: unusable VEX document")
	ErrInvalidOption      = errors.New("policy: invalid option")
	errNoInventoryToJudge = errors.New("policy: input has no inventory")
)

// LoadError reports bad policy input: a file that does not parse, a field
// that is unknown or wrong, a rule that does not compile, a VEX document that
// cannot be read. It is bad input (InvalidInput), never a policy failure.
type LoadError struct {
	// File is the policy (or VEX) file name as given; "" for an option.
	File string
	// Line is the 1-based line in File, 0 when not known.
	Line int
	// Field is the path of the offending field ("exceptions[1].reason").
	Field string
	// Err is one of the Err* sentinels, possibly wrapping a library error.
	Err error
}

func (e *LoadError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *LoadError) Unwrap() error { return e.Err }

// InvalidInput reports true: the policy given was wrong.
func (e *LoadError) InvalidInput() bool { return true }

// detail wraps a sentinel with the specific text, keeping errors.Is working.
func detail(kind error, format string, args ...any) error {
	return fmt.Errorf("%w: %s", kind, fmt.Sprintf(format, args...))
}

// Failure is the error form of a failing verdict: the image was judged and
// the policy refused it: exit code 1 for the CLI, deny for admission.
type Failure struct {
	// Policy names the policy that decided.
	Policy PolicyID
	// Reasons are every reason the verdict failed.
	Reasons []Reason
}

func (f *Failure) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "policy %q failed (%d reason", f.Policy.Name, len(f.Reasons))
	if len(f.Reasons) != 1 {
		b.WriteString("s")
	}
	b.WriteString(")")
	for _, r := range f.Reasons {
		b.WriteString("; ")
		b.WriteString(r.String())
	}
	return b.String()
}

// RuleError reports that a custom rule could not be evaluated on an input
// (its cost limit was reached, a key was missing at run time). It is an
// internal error, not a verdict: the image was not judged, so the caller must
// neither pass nor fail it silently.
type RuleError struct {
	Rule string
	Err  error
}

func (e *RuleError) Error() string {
	return fmt.Sprintf("policy: rule %q could not be evaluated: %v", e.Rule, e.Err)
}

func (e *RuleError) Unwrap() error { return e.Err }
