package enforce

// InputError is a request the caller got wrong: a policy that does not
// load, a namespace that does not exist, a bad option. HTTP layers answer
// 400 and the CLI exits 2.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// InvalidInput marks the error as the caller's fault.
func (e *InputError) InvalidInput() bool { return true }
