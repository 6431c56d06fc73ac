package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base32"
	"encoding/pem"
	"errors"
	"fmt"
)

// loadOrCreateKey returns the ES256 signing key kept in the store, creating
// it on first start. Keeping it in the store (not a file) lets every replica
// sharing a PostgreSQL database verify every other replica's tokens.
func loadOrCreateKey(ctx context.Context, st Store) (*ecdsa.PrivateKey, string, error) {
	kid, pemKey, err := st.GetSigningKey(ctx)
	if errors.Is(err, ErrNotFound) {
		key, kerr := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if kerr != nil {
			return nil, "", fmt.Errorf("auth: generate signing key: %w", kerr)
		}
		der, kerr := x509.MarshalPKCS8PrivateKey(key)
		if kerr != nil {
			return nil, "", fmt.Errorf("auth: encode signing key: %w", kerr)
		}
		newKid, kerr := keyID(&key.PublicKey)
		if kerr != nil {
			return nil, "", kerr
		}
		block := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
		if aerr := st.AddSigningKey(ctx, newKid, block); aerr != nil && !errors.Is(aerr, ErrExists) {
			return nil, "", wrapStore("store signing key", aerr)
		}
		// Another replica may have won the race: read back whichever key
		// was stored first.
		kid, pemKey, err = st.GetSigningKey(ctx)
	}
	if err != nil {
		return nil, "", wrapStore("load signing key", err)
	}
	key, err := parseKey(pemKey)
	if err != nil {
		return nil, "", err
	}
	return key, kid, nil
}

func parseKey(pemKey []byte) (*ecdsa.PrivateKey, error) {
	block, _ := pem.Decode(pemKey)
	if block == nil {
		return nil, errors.New("auth: stored signing key is not PEM")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("auth: stored signing key: %w", err)
	}
	ek, ok := k.(*ecdsa.PrivateKey)
	if !ok || ek.Curve != elliptic.P256() {
		return nil, fmt.Errorf("auth: stored signing key is %T, want an ECDSA P-256 key", k)
	}
	return ek, nil
}

// keyID names a public key by a digest of its SubjectPublicKeyInfo, so the
// same key always gets the same id and a token names the key it needs.
func keyID(pub *ecdsa.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("auth: encode public key: %w", err)
	}
	sum := sha256.Sum256(der)
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:15]), nil
}
