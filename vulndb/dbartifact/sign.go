package dbartifact

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/drydock/drydock/sign"
)

// WithSigner makes Push sign the artifact's manifest digest with s (a
// Sigstore bundle referrer, as cosign writes) before the tag moves, so
// scanners that pull with WithKeys know the database came from the
// publisher. Default: unsigned.
func WithSigner(s *sign.Signer) Option {
	return func(o *options) error {
		if s == nil {
			return &Error{Ref: "", Err: errors.New("WithSigner(nil)")}
		}
		o.signer = s
		return nil
	}
}

// WithKeys makes Pull refuse an artifact whose manifest digest carries no
// signature that verifies with one of keys; it is checked before the
// database layer is downloaded. Default: no check.
func WithKeys(keys ...*sign.PublicKey) Option {
	return func(o *options) error {
		if len(keys) == 0 {
			return &Error{Ref: "", Err: errors.New("WithKeys: no key")}
		}
		o.keys = keys
		return nil
	}
}

// manifestDigest is the digest of the manifest bytes as received, which is
// what a signature names, whatever the registry claims.
func manifestDigest(raw []byte) string {
	sum := sha256.Sum256(raw)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// signPushed signs the pushed manifest (by digest).
func signPushed(ctx context.Context, s *sign.Signer, repo name.Repository, raw []byte, ropts []remote.Option) error {
	session, err := sign.Session(ropts)
	if err != nil {
		return err
	}
	return s.Sign(ctx, &sign.Target{Digest: repo.Digest(manifestDigest(raw)), Remote: session}, sign.FormatBundle)
}

// verifyPulled checks the manifest's signature before anything is fetched.
func verifyPulled(ctx context.Context, keys []*sign.PublicKey, repo name.Repository, raw []byte, ropts []remote.Option) error {
	session, err := sign.Session(ropts)
	if err != nil {
		return err
	}
	_, err = sign.Verify(ctx, &sign.Target{Digest: repo.Digest(manifestDigest(raw)), Remote: session}, keys)
	return err
}
