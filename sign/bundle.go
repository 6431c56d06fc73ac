package sign

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/opencontainers/go-digest"
	sgbundle "github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	sgsign "github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"google.golang.org/protobuf/encoding/protojson"
)

// Bundle signs an in-toto statement into a Sigstore bundle v0.3 (a DSSE
// envelope and the key's hint, no transparency-log entry), as JSON.
func (s *Signer) Bundle(ctx context.Context, statement []byte) ([]byte, error) {
	b, err := sgsign.Bundle(&sgsign.DSSEData{Data: statement, PayloadType: InTotoPayloadType}, s, sgsign.BundleOptions{Context: ctx})
	if err != nil {
		return nil, fmt.Errorf("sign: bundle: %w", err)
	}
	return protojson.Marshal(b)
}

// AttachBundle attaches a Sigstore bundle (JSON) to the target as an OCI
// 1.1 referrer, the way cosign 3 does: artifactType and layer media type
// the bundle's, the empty config, and the predicate type annotated.
func AttachBundle(ctx context.Context, t *Target, predicateType string, bundle []byte) (v1.Hash, error) {
	desc, err := t.descriptor()
	if err != nil {
		return v1.Hash{}, err
	}
	ann := map[string]string{
		CreatedAnnotation:         now(),
		BundleContentAnnotation:   "dsse-envelope",
		BundlePredicateAnnotation: predicateType,
	}
	return writeReferrer(ctx, t.Digest, desc, BundleMediaType, bundle, BundleMediaType, ann, t.Remote)
}

// VerifyBundle checks a Sigstore bundle's DSSE signature against keys
// (any one of them suffices) and that its in-toto statement names subject.
// It returns the statement and the key that verified it. Transparency-log
// entries and timestamps are not required (keys, offline).
func VerifyBundle(bundleJSON []byte, subject digest.Digest, keys []*PublicKey) (*Statement, *PublicKey, error) {
	if len(keys) == 0 {
		return nil, nil, inputErr("verify", errors.New("no public key to verify with"))
	}
	var b sgbundle.Bundle
	if err := b.UnmarshalJSON(bundleJSON); err != nil {
		return nil, nil, fmt.Errorf("not a Sigstore bundle: %w", err)
	}
	if _, err := b.Envelope(); err != nil {
		return nil, nil, fmt.Errorf("bundle holds no DSSE envelope: %w", err)
	}
	want, err := hex.DecodeString(subject.Encoded())
	if err != nil || subject.Validate() != nil {
		return nil, nil, inputErr("verify", fmt.Errorf("bad subject digest %q", subject))
	}
	var errs []error
	for _, k := range keys {
		res, err := verifyWithKey(&b, subject.Algorithm().String(), want, k)
		if err != nil {
			errs = append(errs, fmt.Errorf("key %s: %w", k.Name, err))
			continue
		}
		if res.Statement == nil {
			errs = append(errs, fmt.Errorf("key %s: bundle carries no in-toto statement", k.Name))
			continue
		}
		payload, err := protojson.Marshal(res.Statement)
		if err != nil {
			return nil, nil, err
		}
		st, err := ParseStatement(payload)
		if err != nil {
			return nil, nil, err
		}
		return st, k, nil
	}
	return nil, nil, errors.Join(errs...)
}

func verifyWithKey(b *sgbundle.Bundle, alg string, want []byte, k *PublicKey) (*verify.VerificationResult, error) {
	material := root.NewTrustedPublicKeyMaterial(func(string) (root.TimeConstrainedVerifier, error) {
		return root.NewExpiringKey(k.verifier, time.Time{}, time.Time{}), nil
	})
	v, err := verify.NewVerifier(material, verify.WithNoObserverTimestamps())
	if err != nil {
		return nil, err
	}
	return v.Verify(b, verify.NewPolicy(verify.WithArtifactDigest(alg, want), verify.WithKey()))
}
