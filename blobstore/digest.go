package blobstore

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strings"
)

// Errors callers test with errors.Is.
var (
	// ErrDigestInvalid means a digest string is malformed.
	ErrDigestInvalid = errors.New("blobstore: invalid digest")
	// ErrDigestUnsupported means the algorithm is neither sha256 nor sha512.
	ErrDigestUnsupported = errors.New("blobstore: unsupported digest algorithm")
	// ErrDigestMismatch means the bytes do not hash to the claimed digest.
	ErrDigestMismatch = errors.New("blobstore: content does not match digest")
)

// Digest is a validated "algorithm:hex" content digest.
type Digest struct {
	Algorithm string // "sha256" or "sha512"
	Hex       string // lower-case hex, 64 or 128 characters
}

// String is the canonical "algorithm:hex" form.
func (d Digest) String() string { return d.Algorithm + ":" + d.Hex }

// hexLen is the encoded length of each supported algorithm.
var hexLen = map[string]int{"sha256": 64, "sha512": 128}

// ParseDigest validates s. An unknown but well-formed algorithm is
// ErrDigestUnsupported; anything else malformed is ErrDigestInvalid.
func ParseDigest(s string) (Digest, error) {
	alg, hx, ok := strings.Cut(s, ":")
	if !ok || alg == "" || hx == "" {
		return Digest{}, fmt.Errorf("%w: %q is not algorithm:hex", ErrDigestInvalid, s)
	}
	for _, c := range alg {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '.' || c == '_' || c == '-') {
			return Digest{}, fmt.Errorf("%w: algorithm %q", ErrDigestInvalid, alg)
		}
	}
	n, known := hexLen[alg]
	if !known {
		return Digest{}, fmt.Errorf("%w: %q", ErrDigestUnsupported, alg)
	}
	if len(hx) != n {
		return Digest{}, fmt.Errorf("%w: %s wants %d hex characters, got %d", ErrDigestInvalid, alg, n, len(hx))
	}
	for _, c := range hx {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return Digest{}, fmt.Errorf("%w: %q is not lower-case hex", ErrDigestInvalid, hx)
		}
	}
	return Digest{Algorithm: alg, Hex: hx}, nil
}

// FromBytes is the digest of b under algorithm alg ("sha256" by default).
func FromBytes(alg string, b []byte) Digest {
	h := newHash(alg)
	h.Write(b)
	if alg != "sha512" {
		alg = "sha256"
	}
	return Digest{Algorithm: alg, Hex: hex.EncodeToString(h.Sum(nil))}
}

func newHash(alg string) hash.Hash {
	if alg == "sha512" {
		return sha512.New()
	}
	return sha256.New()
}

// hashState is a running digest that can be saved between requests: the
// algorithm name, a colon, then the hash's marshalled state.
type hashState struct {
	alg string
	h   hash.Hash
}

func newHashState(alg string) *hashState {
	if alg != "sha512" {
		alg = "sha256"
	}
	return &hashState{alg: alg, h: newHash(alg)}
}

func restoreHashState(b []byte) (*hashState, error) {
	alg, state, ok := strings.Cut(string(b), ":")
	if !ok || hexLen[alg] == 0 {
		return nil, fmt.Errorf("blobstore: corrupt upload hash state")
	}
	hs := newHashState(alg)
	if err := hs.h.(encoding.BinaryUnmarshaler).UnmarshalBinary([]byte(state)); err != nil {
		return nil, fmt.Errorf("blobstore: restore upload hash state: %w", err)
	}
	return hs, nil
}

func (hs *hashState) marshal() ([]byte, error) {
	b, err := hs.h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("blobstore: save upload hash state: %w", err)
	}
	return append([]byte(hs.alg+":"), b...), nil
}

func (hs *hashState) digest() Digest {
	return Digest{Algorithm: hs.alg, Hex: hex.EncodeToString(hs.h.Sum(nil))}
}
