// Package signtest makes throw-away key pairs, without a password, for the
// tests of the packages that sign and verify with cosign-format keys.
package signtest

import (
	"testing"

	"github.com/drydock/drydock/sign"
)

// KeyPair generates a key pair and loads both halves back, the public key
// under name (as a cosign.pub file would be named).
func KeyPair(tb testing.TB, name string) (*sign.Signer, *sign.PublicKey) {
	tb.Helper()
	priv, pub, err := sign.GenerateKeyPair(nil)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := sign.LoadSigner(priv, nil)
	if err != nil {
		tb.Fatal(err)
	}
	k, err := sign.ParsePublicKey(pub, name)
	if err != nil {
		tb.Fatal(err)
	}
	return s, k
}
