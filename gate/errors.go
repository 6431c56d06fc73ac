package gate

// Error is a gate that could not run: bad flags, a source that cannot be
// opened or pushed from, a report file that cannot be written.
type Error struct {
	Op  string
	Err error
	// Input says the caller can fix it (exit code 2).
	Input bool
}

func (e *Error) Error() string { return "gate: " + e.Op + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// InvalidInput says whether the error is the caller's to fix.
func (e *Error) InvalidInput() bool { return e.Input }

// StepError is a step after the push started that failed (push, attest,
// sign, tag). The tag was not moved; what was pushed by digest stays, and
// is unreachable by tag. It is never the caller's input (exit code 3),
// whatever the cause below it.
type StepError struct {
	Step string
	Err  error
}

func (e *StepError) Error() string {
	return "gate: " + e.Step + " failed; the tag was not moved: " + e.Err.Error()
}
func (e *StepError) Unwrap() error { return e.Err }

// InvalidInput is false: a half-done gate is an internal failure.
func (e *StepError) InvalidInput() bool { return false }
