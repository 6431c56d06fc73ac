package sign

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/opencontainers/go-digest"
)

// Format is where signatures and attestations are written.
type Format int

const (
	// FormatBundle attaches a Sigstore bundle as an OCI 1.1 referrer
	// (cosign 3's default).
	FormatBundle Format = 1 << iota
	// FormatLegacy pushes cosign's sha256-<hex>.sig and .att tags.
	FormatLegacy
	// FormatBoth writes both, for verifiers of either kind.
	FormatBoth = FormatBundle | FormatLegacy
)

// ParseFormat reads "bundle", "legacy" or "both".
func ParseFormat(s string) (Format, error) {
	switch s {
	case "bundle", "":
		return FormatBundle, nil
	case "legacy":
		return FormatLegacy, nil
	case "both":
		return FormatBoth, nil
	}
	return 0, inputErr("format", fmt.Errorf("%q: want bundle, legacy or both", s))
}

// Target is the image a signature or attestation is about, with how to
// reach its registry.
type Target struct {
	// Digest names the manifest (repository@sha256:…).
	Digest name.Digest
	// Descriptor is the manifest's; nil means ask the registry.
	Descriptor *v1.Descriptor
	// Remote are the registry client options (credentials, transport).
	Remote []remote.Option
}

func (t *Target) descriptor() (*v1.Descriptor, error) {
	if t.Descriptor != nil {
		return t.Descriptor, nil
	}
	d, err := remote.Head(t.Digest, t.Remote...)
	if err != nil {
		return nil, registryErr("read "+t.Digest.String(), err)
	}
	if d.Digest.String() != t.Digest.DigestStr() {
		return nil, fmt.Errorf("sign: registry answered %s for %s", d.Digest, t.Digest)
	}
	t.Descriptor = d
	return d, nil
}

// Subject is the target's manifest digest.
func (t *Target) Subject() digest.Digest { return digest.Digest(t.Digest.DigestStr()) }

// Sign signs the target's digest and attaches the signature in format f.
func (s *Signer) Sign(ctx context.Context, t *Target, f Format) error {
	if f&FormatBundle != 0 {
		st, err := NewStatement(t.Subject(), PredicateCosignSign, nil)
		if err != nil {
			return err
		}
		if err := s.bundleTo(ctx, t, PredicateCosignSign, st); err != nil {
			return err
		}
	}
	if f&FormatLegacy != 0 {
		return s.signLegacy(ctx, t.Digest, t.Remote)
	}
	return nil
}

// Attest signs an in-toto statement about the target with predicate (JSON)
// of predicateType and attaches it in format f.
func (s *Signer) Attest(ctx context.Context, t *Target, predicateType string, predicate []byte, f Format) error {
	st, err := NewStatement(t.Subject(), predicateType, predicate)
	if err != nil {
		return err
	}
	if f&FormatBundle != 0 {
		if err := s.bundleTo(ctx, t, predicateType, st); err != nil {
			return err
		}
	}
	if f&FormatLegacy != 0 {
		return s.attestLegacy(ctx, t.Digest, predicateType, st, t.Remote)
	}
	return nil
}

func (s *Signer) bundleTo(ctx context.Context, t *Target, predicateType string, statement []byte) error {
	b, err := s.Bundle(ctx, statement)
	if err != nil {
		return err
	}
	_, err = AttachBundle(ctx, t, predicateType, b)
	return err
}
