package sign

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
	sigopts "github.com/sigstore/sigstore/pkg/signature/options"
)

// Key file names, as cosign writes them.
const (
	PrivateKeyFile = "cosign.key"
	PublicKeyFile  = "cosign.pub"
)

// GenerateKeyPair makes an ECDSA P-256 key pair, as `cosign generate-key-pair`
// does: the private key PKCS #8, encrypted with password (scrypt and
// secretbox) in an "ENCRYPTED SIGSTORE PRIVATE KEY" PEM block; the public
// key PKIX in a "PUBLIC KEY" block. An empty password is allowed.
func GenerateKeyPair(password []byte) (privPEM, pubPEM []byte, err error) {
	pass := append([]byte{}, password...) // never nil: nil would leave the key unencrypted
	return cryptoutils.GeneratePEMEncodedECDSAKeyPair(elliptic.P256(), func(bool) ([]byte, error) { return pass, nil })
}

// WriteKeyPair generates a key pair and writes cosign.key (mode 0600) and
// cosign.pub into dir. It refuses to overwrite an existing key.
func WriteKeyPair(dir string, password []byte) (privPath, pubPath string, err error) {
	privPath, pubPath = filepath.Join(dir, PrivateKeyFile), filepath.Join(dir, PublicKeyFile)
	for _, p := range []string{privPath, pubPath} {
		if _, err := os.Stat(p); err == nil {
			return "", "", inputErr("generate key", fmt.Errorf("%s already exists; move it away first", p))
		}
	}
	priv, pub, err := GenerateKeyPair(password)
	if err != nil {
		return "", "", fmt.Errorf("sign: generate key: %w", err)
	}
	if err := os.WriteFile(privPath, priv, 0o600); err != nil {
		return "", "", inputErr("generate key", err)
	}
	if err := os.WriteFile(pubPath, pub, 0o644); err != nil {
		return "", "", inputErr("generate key", err)
	}
	return privPath, pubPath, nil
}

// Signer signs with one private key. It implements sigstore-go's Keypair
// so bundles carry the same public-key hint cosign puts there.
type Signer struct {
	sv   signature.SignerVerifier
	pub  crypto.PublicKey
	hint []byte
	alg  signature.AlgorithmDetails
}

var _ sign.Keypair = (*Signer)(nil)

// LoadSigner reads a private key in cosign's format (encrypted with
// password) or an unencrypted PKCS #8, PKCS #1 or SEC 1 PEM key.
func LoadSigner(pemBytes, password []byte) (*Signer, error) {
	pass := append([]byte{}, password...)
	priv, err := cryptoutils.UnmarshalPEMToPrivateKey(pemBytes, func(bool) ([]byte, error) { return pass, nil })
	if err != nil {
		return nil, inputErr("load private key", fmt.Errorf("%w (wrong password, or not a cosign key?)", err))
	}
	cs, ok := priv.(crypto.Signer)
	if !ok {
		return nil, inputErr("load private key", fmt.Errorf("unsupported key type %T", priv))
	}
	return NewSigner(cs)
}

// LoadSignerFile reads a private key file (see LoadSigner).
func LoadSignerFile(path string, password []byte) (*Signer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, inputErr("load private key", err)
	}
	s, err := LoadSigner(b, password)
	if err != nil {
		return nil, inputErr("load private key "+path, errors.Unwrap(err))
	}
	return s, nil
}

// NewSigner wraps a private key (ECDSA, RSA or Ed25519) with the algorithm
// cosign uses for it by default.
func NewSigner(priv crypto.Signer) (*Signer, error) {
	switch priv.(type) {
	case *ecdsa.PrivateKey, *rsa.PrivateKey, ed25519.PrivateKey:
	default:
		return nil, inputErr("load private key", fmt.Errorf("unsupported key type %T", priv))
	}
	alg, err := signature.GetDefaultAlgorithmDetails(priv.Public())
	if err != nil {
		return nil, inputErr("load private key", err)
	}
	sv, err := signature.LoadDefaultSignerVerifier(priv)
	if err != nil {
		return nil, inputErr("load private key", err)
	}
	hint, err := keyHint(priv.Public())
	if err != nil {
		return nil, err
	}
	return &Signer{sv: sv, pub: priv.Public(), hint: hint, alg: alg}, nil
}

// keyHint is the bundle's public-key hint: base64 of the SHA-256 of the
// PKIX public key, as cosign computes it.
func keyHint(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, inputErr("public key", err)
	}
	sum := sha256.Sum256(der)
	return []byte(base64.StdEncoding.EncodeToString(sum[:])), nil
}

// SignMessage signs msg (hashing it first, except for Ed25519).
func (s *Signer) SignMessage(ctx context.Context, msg []byte) ([]byte, error) {
	sig, _, err := s.SignData(ctx, msg)
	return sig, err
}

// GetHashAlgorithm is the hash of the digest to sign.
func (s *Signer) GetHashAlgorithm() protocommon.HashAlgorithm { return s.alg.GetProtoHashType() }

// GetSigningAlgorithm is the key's signature algorithm.
func (s *Signer) GetSigningAlgorithm() protocommon.PublicKeyDetails {
	return s.alg.GetSignatureAlgorithm()
}

// GetHint is the public-key hint written into bundles.
func (s *Signer) GetHint() []byte { return s.hint }

// GetKeyAlgorithm names the key type (ECDSA, RSA, ED25519).
func (s *Signer) GetKeyAlgorithm() string {
	switch s.pub.(type) {
	case *ecdsa.PublicKey:
		return "ECDSA"
	case *rsa.PublicKey:
		return "RSA"
	default:
		return "ED25519"
	}
}

// GetPublicKey is the public half.
func (s *Signer) GetPublicKey() crypto.PublicKey { return s.pub }

// GetPublicKeyPem is the public half in PEM, as cosign.pub holds it.
func (s *Signer) GetPublicKeyPem() (string, error) {
	b, err := cryptoutils.MarshalPublicKeyToPEM(s.pub)
	return string(b), err
}

// SignData signs data and returns the signature and the digest signed.
func (s *Signer) SignData(ctx context.Context, data []byte) ([]byte, []byte, error) {
	opts := []signature.SignOption{sigopts.WithContext(ctx)}
	var digest []byte
	if h := s.alg.GetHashType(); h != 0 {
		hh := h.New()
		hh.Write(data)
		digest = hh.Sum(nil)
		opts = append(opts, sigopts.WithDigest(digest))
	}
	sig, err := s.sv.SignMessage(bytes.NewReader(data), opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("sign: signing: %w", err)
	}
	return sig, digest, nil
}

// PublicKey is one trusted public key, with the hint bundles name it by.
type PublicKey struct {
	Key      crypto.PublicKey
	Hint     string
	verifier signature.Verifier
	// Name says where the key came from (a file name), for messages.
	Name string
}

// ParsePublicKey reads a PEM public key (cosign.pub).
func ParsePublicKey(pemBytes []byte, name string) (*PublicKey, error) {
	pub, err := cryptoutils.UnmarshalPEMToPublicKey(pemBytes)
	if err != nil {
		return nil, inputErr("load public key "+name, err)
	}
	v, err := signature.LoadDefaultVerifier(pub)
	if err != nil {
		return nil, inputErr("load public key "+name, err)
	}
	hint, err := keyHint(pub)
	if err != nil {
		return nil, err
	}
	return &PublicKey{Key: pub, Hint: string(hint), verifier: v, Name: name}, nil
}

// LoadPublicKeyFile reads a PEM public key file.
func LoadPublicKeyFile(path string) (*PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, inputErr("load public key", err)
	}
	return ParsePublicKey(b, path)
}

// Public is the signer's public key, as a verifier sees it.
func (s *Signer) Public() *PublicKey {
	v, _ := signature.LoadDefaultVerifier(s.pub)
	return &PublicKey{Key: s.pub, Hint: string(s.hint), verifier: v, Name: "signer"}
}

// verify checks sig over msg.
func (k *PublicKey) verify(sig, msg []byte) error {
	return k.verifier.VerifySignature(bytes.NewReader(sig), bytes.NewReader(msg))
}
