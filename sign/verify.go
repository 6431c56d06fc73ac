package sign

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Verified is one signature or attestation that verified.
type Verified struct {
	// Format is where it was found: "bundle" (a referrer) or "legacy" (a tag).
	Format string
	// Key is the key it verified with.
	Key *PublicKey
	// Statement is the attestation's statement; for a legacy signature it
	// is nil.
	Statement *Statement
}

// Verify finds the signatures of the target's digest, in both formats,
// and returns those that verify with one of keys. None verifying is a
// *VerificationError naming why each candidate was rejected.
func Verify(ctx context.Context, t *Target, keys []*PublicKey) ([]Verified, error) {
	return find(ctx, t, keys, PredicateCosignSign, "sig", SimpleSigningMediaType, "signature")
}

// VerifyAttestations finds the attestations of predicateType about the
// target, in both formats, and returns those that verify with one of keys.
func VerifyAttestations(ctx context.Context, t *Target, keys []*PublicKey, predicateType string) ([]Verified, error) {
	return find(ctx, t, keys, predicateType, "att", DSSEMediaType, "attestation of type "+predicateType)
}

func find(ctx context.Context, t *Target, keys []*PublicKey, predicateType, suffix string, mt types.MediaType, what string) ([]Verified, error) {
	if len(keys) == 0 {
		return nil, inputErr("verify", fmt.Errorf("no public key to verify with"))
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	subject := t.Subject()
	var out []Verified
	bundles, rejected, err := bundleReferrers(t.Digest, t.Remote)
	if err != nil {
		return nil, err
	}
	for _, b := range bundles {
		st, k, err := VerifyBundle(b, subject, keys)
		switch {
		case err != nil:
			rejected = append(rejected, fmt.Errorf("bundle: %w", err))
		case st.PredicateType == predicateType:
			out = append(out, Verified{Format: "bundle", Key: k, Statement: st})
		}
	}
	blobs, anns, bad, err := legacyLayers(t.Digest, suffix, mt, t.Remote)
	if err != nil {
		return nil, err
	}
	rejected = append(rejected, bad...)
	for i, b := range blobs {
		if suffix == "sig" {
			k, err := verifySimpleSigning(b, anns[i][SignatureAnnotation], subject, keys)
			if err != nil {
				rejected = append(rejected, fmt.Errorf("%s: %w", legacyTag(t.Digest, suffix).TagStr(), err))
				continue
			}
			out = append(out, Verified{Format: "legacy", Key: k})
			continue
		}
		st, k, err := verifyEnvelope(b, subject, keys)
		switch {
		case err != nil:
			rejected = append(rejected, fmt.Errorf("%s: %w", legacyTag(t.Digest, suffix).TagStr(), err))
		case st.PredicateType == predicateType:
			out = append(out, Verified{Format: "legacy", Key: k, Statement: st})
		}
	}
	if len(out) == 0 {
		reason := "no " + what + " verifies with the given keys"
		if len(rejected) == 0 {
			reason = "no " + what + " is attached"
		}
		return nil, &VerificationError{Ref: t.Digest.String(), Reason: reason, Rejected: rejected}
	}
	return out, nil
}
