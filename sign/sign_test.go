package sign_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/drydock/drydock/internal/registrytest"
	"github.com/drydock/drydock/sign"
)

// newSigner generates a key pair with password and loads it back.
func newSigner(t *testing.T, password string) (*sign.Signer, *sign.PublicKey) {
	t.Helper()
	priv, pub, err := sign.GenerateKeyPair([]byte(password))
	if err != nil {
		t.Fatal(err)
	}
	s, err := sign.LoadSigner(priv, []byte(password))
	if err != nil {
		t.Fatalf("LoadSigner: %v", err)
	}
	k, err := sign.ParsePublicKey(pub, "cosign.pub")
	if err != nil {
		t.Fatalf("ParsePublicKey: %v", err)
	}
	return s, k
}

// pushImage pushes a random image to repo and returns its target.
func pushImage(t *testing.T, reg *registrytest.Registry, repo string) *sign.Target {
	t.Helper()
	ctx := context.Background()
	img, err := random.Image(512, 2)
	if err != nil {
		t.Fatal(err)
	}
	tag := reg.Ref(t, repo+":v1")
	if err := remote.Write(tag, img, reg.Admin(ctx)...); err != nil {
		t.Fatalf("push: %v", err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	ropts, err := sign.Session(reg.Admin(ctx))
	if err != nil {
		t.Fatal(err)
	}
	return &sign.Target{Digest: tag.Context().Digest(d.String()), Remote: ropts}
}

func TestKeyPairFiles(t *testing.T) {
	for _, pw := range []string{"", "correct horse"} {
		dir := t.TempDir()
		privPath, pubPath, err := sign.WriteKeyPair(dir, []byte(pw))
		if err != nil {
			t.Fatal(err)
		}
		priv, _ := os.ReadFile(privPath)
		if !strings.HasPrefix(string(priv), "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----") {
			t.Errorf("password %q: cosign.key starts %q, want an encrypted sigstore key", pw, strings.SplitN(string(priv), "\n", 2)[0])
		}
		if fi, _ := os.Stat(privPath); fi.Mode().Perm() != 0o600 {
			t.Errorf("cosign.key mode %v, want 0600", fi.Mode().Perm())
		}
		if _, err := sign.LoadSignerFile(privPath, []byte(pw)); err != nil {
			t.Errorf("password %q: LoadSignerFile: %v", pw, err)
		}
		if _, err := sign.LoadPublicKeyFile(pubPath); err != nil {
			t.Errorf("LoadPublicKeyFile: %v", err)
		}
		_, err = sign.LoadSignerFile(privPath, []byte(pw+"wrong"))
		var se *sign.Error
		if !errors.As(err, &se) || !se.InvalidInput() {
			t.Errorf("wrong password: got %v, want a *sign.Error", err)
		}
		if _, _, err := sign.WriteKeyPair(dir, nil); err == nil || !strings.Contains(err.Error(), "already exists") {
			t.Errorf("second WriteKeyPair into %s: %v, want already exists", filepath.Base(dir), err)
		}
	}
}

func TestSignVerifyFormats(t *testing.T) {
	ctx := context.Background()
	reg := registrytest.Start(t)
	signer, pub := newSigner(t, "pw")
	_, otherPub := newSigner(t, "")
	for _, tc := range []struct {
		name   string
		format sign.Format
		want   []string // formats found by Verify
	}{
		{"bundle", sign.FormatBundle, []string{"bundle"}},
		{"legacy", sign.FormatLegacy, []string{"legacy"}},
		{"both", sign.FormatBoth, []string{"bundle", "legacy"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			target := pushImage(t, reg, "team/"+tc.name)
			var ve *sign.VerificationError
			if _, err := sign.Verify(ctx, target, []*sign.PublicKey{pub}); !errors.As(err, &ve) || !strings.Contains(err.Error(), "no signature is attached") {
				t.Fatalf("unsigned image: got %v, want a *VerificationError saying nothing is attached", err)
			}
			if err := signer.Sign(ctx, target, tc.format); err != nil {
				t.Fatalf("Sign: %v", err)
			}
			got, err := sign.Verify(ctx, target, []*sign.PublicKey{otherPub, pub})
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			var formats []string
			for _, v := range got {
				formats = append(formats, v.Format)
				if v.Key != pub {
					t.Errorf("%s signature verified with key %s, want cosign.pub", v.Format, v.Key.Name)
				}
			}
			if strings.Join(formats, ",") != strings.Join(tc.want, ",") {
				t.Errorf("verified formats %v, want %v", formats, tc.want)
			}
			if _, err := sign.Verify(ctx, target, []*sign.PublicKey{otherPub}); !errors.As(err, &ve) || len(ve.Rejected) != len(tc.want) {
				t.Errorf("other key: got %v, want a *VerificationError rejecting %d signatures", err, len(tc.want))
			}
		})
	}
}

func TestAttestations(t *testing.T) {
	ctx := context.Background()
	reg := registrytest.Start(t)
	signer, pub := newSigner(t, "")
	target := pushImage(t, reg, "team/app")
	pred := []byte(`{"verdict":"pass","policy":"strict"}`)
	if err := signer.Attest(ctx, target, sign.PredicateVerdict, pred, sign.FormatBoth); err != nil {
		t.Fatalf("Attest: %v", err)
	}
	got, err := sign.VerifyAttestations(ctx, target, []*sign.PublicKey{pub}, sign.PredicateVerdict)
	if err != nil {
		t.Fatalf("VerifyAttestations: %v", err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d verified attestations, want 2 (bundle and legacy)", len(got))
	}
	for _, v := range got {
		var p struct{ Verdict string }
		if err := json.Unmarshal(v.Statement.Predicate, &p); err != nil || p.Verdict != "pass" {
			t.Errorf("%s: predicate %s, want verdict pass", v.Format, v.Statement.Predicate)
		}
		if !v.Statement.About(target.Subject()) {
			t.Errorf("%s: statement subjects %v do not name %s", v.Format, v.Statement.Subjects, target.Digest)
		}
	}
	var ve *sign.VerificationError
	if _, err := sign.VerifyAttestations(ctx, target, []*sign.PublicKey{pub}, sign.PredicateSLSAProvenance); !errors.As(err, &ve) {
		t.Errorf("provenance never attached: got %v, want a *VerificationError", err)
	}
}

// TestTamperedBundleRefused changes the verdict inside a signed bundle and
// attaches it: the signature no longer covers the payload.
func TestTamperedBundleRefused(t *testing.T) {
	ctx := context.Background()
	reg := registrytest.Start(t)
	signer, pub := newSigner(t, "")
	target := pushImage(t, reg, "team/app")
	st, err := sign.NewStatement(target.Subject(), sign.PredicateVerdict, []byte(`{"verdict":"fail"}`))
	if err != nil {
		t.Fatal(err)
	}
	b, err := signer.Bundle(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	env := raw["dsseEnvelope"].(map[string]any)
	forged, err := sign.NewStatement(target.Subject(), sign.PredicateVerdict, []byte(`{"verdict":"pass"}`))
	if err != nil {
		t.Fatal(err)
	}
	env["payload"] = forged // []byte marshals as base64, as protojson writes bytes
	tampered, err := json.Marshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := sign.VerifyBundle(b, target.Subject(), []*sign.PublicKey{pub}); err != nil {
		t.Fatalf("untouched bundle: %v", err)
	}
	if _, err := sign.AttachBundle(ctx, target, sign.PredicateVerdict, tampered); err != nil {
		t.Fatal(err)
	}
	_, err = sign.VerifyAttestations(ctx, target, []*sign.PublicKey{pub}, sign.PredicateVerdict)
	var ve *sign.VerificationError
	if !errors.As(err, &ve) || len(ve.Rejected) != 1 {
		t.Fatalf("tampered bundle: got %v, want a *VerificationError with one rejected bundle", err)
	}
	// A bundle about another image does not verify for this one.
	other := pushImage(t, reg, "team/other")
	if _, _, err := sign.VerifyBundle(b, other.Subject(), []*sign.PublicKey{pub}); err == nil {
		t.Error("bundle about one digest verified for another")
	}
}

func TestIsLegacyTag(t *testing.T) {
	hex := strings.Repeat("ab", 32)
	for tag, want := range map[string]bool{
		"sha256-" + hex + ".sig":  true,
		"sha256-" + hex + ".att":  true,
		"sha256-" + hex + ".sbom": true,
		"sha256-" + hex + ".txt":  false,
		"sha256-abc.sig":          false,
		"md5-" + hex + ".sig":     false,
		"latest":                  false,
	} {
		if got := sign.IsLegacyTag(tag); got != want {
			t.Errorf("IsLegacyTag(%q) = %v, want %v", tag, got, want)
		}
	}
}

func TestPredicateType(t *testing.T) {
	for in, want := range map[string]string{
		"slsaprovenance": sign.PredicateSLSAProvenance, "cyclonedx": sign.PredicateCycloneDX,
		"vuln": sign.PredicateVuln, "verdict": sign.PredicateVerdict, "https://example.com/p": "https://example.com/p",
	} {
		if got, err := sign.PredicateType(in); err != nil || got != want {
			t.Errorf("PredicateType(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := sign.PredicateType("spdxjson-ish"); err == nil {
		t.Error("unknown attestation name accepted")
	}
}
