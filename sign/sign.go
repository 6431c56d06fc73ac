// Package sign signs and verifies image digests and in-toto attestations
// with keys, in cosign's own formats: encrypted cosign.key and cosign.pub
// files, the legacy `sha256-<hex>.sig` and `.att` tags (simple-signing
// payloads and DSSE envelopes) and the Sigstore bundle attached to the image
// as an OCI 1.1 referrer, which is what cosign 3 writes by default. The
// cosign CLI verifies what this package writes and this package verifies
// what cosign writes, in both formats. Everything works offline: no
// transparency log or certificate authority is contacted.
package sign

import (
	"errors"
	"fmt"
)

// Media types and annotations, as cosign and the Sigstore bundle spec name them.
const (
	// BundleMediaType is the Sigstore bundle v0.3: the referrer's
	// artifactType and its one layer's media type.
	BundleMediaType = "application/vnd.dev.sigstore.bundle.v0.3+json"
	// SimpleSigningMediaType is a legacy .sig layer: a simple-signing payload.
	SimpleSigningMediaType = "application/vnd.dev.cosign.simplesigning.v1+json"
	// DSSEMediaType is a legacy .att layer: a DSSE envelope.
	DSSEMediaType = "application/vnd.dsse.envelope.v1+json"
	// InTotoPayloadType is the DSSE payload type of an in-toto statement.
	InTotoPayloadType = "application/vnd.in-toto+json"
	// EmptyMediaType is the OCI empty descriptor a referrer uses as config.
	EmptyMediaType = "application/vnd.oci.empty.v1+json"

	// SignatureAnnotation holds a legacy .sig layer's base64 signature.
	SignatureAnnotation = "dev.cosignproject.cosign/signature"
	// BundleContentAnnotation says what a bundle referrer holds
	// ("dsse-envelope" or "message-signature").
	BundleContentAnnotation = "dev.sigstore.bundle.content"
	// BundlePredicateAnnotation names a bundle referrer's predicate type.
	BundlePredicateAnnotation = "dev.sigstore.bundle.predicateType"
	// CreatedAnnotation is when a referrer was made.
	CreatedAnnotation = "org.opencontainers.image.created"
)

// Error is a signing or verification request that could not be carried out
// because of its input: a missing or malformed key, a wrong password, a bad
// reference, an unreachable registry. It is the caller's fault, not a
// verdict on the image.
type Error struct {
	Op  string
	Err error
}

func (e *Error) Error() string { return "sign: " + e.Op + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// InvalidInput marks the error as the caller's (exit code 2, HTTP 400).
func (e *Error) InvalidInput() bool { return true }

func inputErr(op string, err error) error { return &Error{Op: op, Err: err} }

// VerificationError says the image's signatures or attestations were read
// but none verified: the image is not signed by the given keys, a
// signature was tampered with, or nothing was attached. It is a verdict on
// the image, distinct from an error that kept the check from running.
type VerificationError struct {
	Ref    string
	Reason string
	// Rejected lists why each candidate signature failed, when there were any.
	Rejected []error
}

func (e *VerificationError) Error() string {
	msg := fmt.Sprintf("sign: %s: %s", e.Ref, e.Reason)
	if len(e.Rejected) > 0 {
		msg += ": " + errors.Join(e.Rejected...).Error()
	}
	return msg
}
