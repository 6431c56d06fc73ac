package main

import (
	"errors"

	"github.com/drydock/drydock/fleet"
	"github.com/drydock/drydock/policy"
	"github.com/drydock/drydock/sign"
)

// invalidInput is the behaviour of library errors that are the caller's
// fault: bad usage, bad input, a missing file, an unreachable source, a bad
// configuration, a port in use. Each package implements it on its own error
// types, so no package needs to import another to be classified.
type invalidInput interface{ InvalidInput() bool }

// usageError marks bad flags or arguments given to a verb.
type usageError struct{ err error }

func (e usageError) Error() string      { return e.err.Error() }
func (e usageError) Unwrap() error      { return e.err }
func (e usageError) InvalidInput() bool { return true }

// exitCode is the one place errors become exit codes: a policy failure is
// 1, the caller's mistake 2, anything else (drydock could not do its job,
// an interrupt) 3.
func exitCode(err error) int {
	if err == nil {
		return exitPass
	}
	var failure *policy.Failure
	if errors.As(err, &failure) {
		return exitPolicy
	}
	// Running images over drydock audit's --fail-on threshold.
	var overThreshold *fleet.FailOnError
	if errors.As(err, &overThreshold) {
		return exitPolicy
	}
	// A signature or attestation that does not verify is a verdict on the image.
	var unverified *sign.VerificationError
	if errors.As(err, &unverified) {
		return exitPolicy
	}
	var ii invalidInput
	if errors.As(err, &ii) && ii.InvalidInput() {
		return exitUsage
	}
	// cobra reports unknown commands and wrong argument counts as plain errors.
	if isCobraUsage(err) {
		return exitUsage
	}
	return exitInternal
}
