package sign_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/internal/registrytest"
	"github.com/drydock/drydock/sign"
)

// cosignBinary finds the cosign CLI: $DRYDOCK_COSIGN, else the build that
// scripts/cosign.sh caches outside the repository (building it once from
// the Go module proxy). The test skips only when it cannot be built.
func cosignBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("DRYDOCK_COSIGN"); p != "" {
		return p
	}
	out, err := exec.Command("../scripts/cosign.sh").Output()
	if err != nil {
		t.Skipf("the cosign CLI could not be built by scripts/cosign.sh (%v); interop with cosign is not checked", err)
	}
	return strings.TrimSpace(string(out))
}

// cosignEnv runs cosign against reg with the admin's credentials in a
// Docker config of its own, a home of its own and no network beyond loopback.
type cosignEnv struct {
	t   *testing.T
	bin string
	env []string
	dir string
}

func newCosignEnv(t *testing.T, reg *registrytest.Registry) *cosignEnv {
	dir := t.TempDir()
	cfg := map[string]any{"auths": map[string]any{reg.Host: map[string]string{
		"auth": base64.StdEncoding.EncodeToString([]byte(auth.AdminUser + ":" + registrytest.AdminPassword)),
	}}}
	b, _ := json.Marshal(cfg)
	if err := os.WriteFile(filepath.Join(dir, "config.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "DOCKER_CONFIG="+dir, "HOME="+dir, "COSIGN_PASSWORD=interop", "COSIGN_YES=true")
	return &cosignEnv{t: t, bin: cosignBinary(t), env: env, dir: dir}
}

var httpRegistry = []string{"--allow-insecure-registry", "--allow-http-registry"}

func (c *cosignEnv) run(args ...string) string {
	c.t.Helper()
	cmd := exec.Command(c.bin, args...)
	cmd.Env, cmd.Dir = c.env, c.dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		c.t.Fatalf("cosign %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestCosignVerifiesDrydock: cosign v3.1.3 verifies drydock's signatures
// (bundle referrer and legacy tag) and its verdict attestation, offline.
func TestCosignVerifiesDrydock(t *testing.T) {
	ctx := context.Background()
	reg := registrytest.Start(t)
	c := newCosignEnv(t, reg)
	priv, pubPEM, err := sign.GenerateKeyPair([]byte("interop"))
	if err != nil {
		t.Fatal(err)
	}
	pubPath := filepath.Join(c.dir, "drydock.pub")
	if err := os.WriteFile(pubPath, pubPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	signer, err := sign.LoadSigner(priv, []byte("interop"))
	if err != nil {
		t.Fatal(err)
	}
	bundled, legacy := pushImage(t, reg, "team/bundled"), pushImage(t, reg, "team/legacy")
	if err := signer.Sign(ctx, bundled, sign.FormatBundle); err != nil {
		t.Fatal(err)
	}
	if err := signer.Attest(ctx, bundled, sign.PredicateVerdict, []byte(`{"verdict":"pass"}`), sign.FormatBundle); err != nil {
		t.Fatal(err)
	}
	if err := signer.Sign(ctx, legacy, sign.FormatLegacy); err != nil {
		t.Fatal(err)
	}
	if err := signer.Attest(ctx, legacy, sign.PredicateVerdict, []byte(`{"verdict":"pass"}`), sign.FormatLegacy); err != nil {
		t.Fatal(err)
	}
	verify := append([]string{"--key", pubPath, "--insecure-ignore-tlog"}, httpRegistry...)
	c.run(append(append([]string{"verify", "--new-bundle-format"}, verify...), bundled.Digest.String())...)
	out := c.run(append(append([]string{"verify-attestation", "--new-bundle-format", "--type", sign.PredicateVerdict}, verify...), bundled.Digest.String())...)
	wantStatement(t, out, bundled.Subject().String())
	c.run(append(append([]string{"verify", "--new-bundle-format=false"}, verify...), legacy.Digest.String())...)
	out = c.run(append(append([]string{"verify-attestation", "--new-bundle-format=false", "--type", sign.PredicateVerdict}, verify...), legacy.Digest.String())...)
	wantStatement(t, out, legacy.Subject().String())
}

// wantStatement finds, in cosign verify-attestation's output, a DSSE
// envelope whose statement is drydock's passing verdict about subject.
func wantStatement(t *testing.T, out, subject string) {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		var env struct{ Payload string }
		if json.Unmarshal([]byte(line), &env) != nil || env.Payload == "" {
			continue
		}
		body, err := base64.StdEncoding.DecodeString(env.Payload)
		if err != nil {
			continue
		}
		st, err := sign.ParseStatement(body)
		if err == nil && st.PredicateType == sign.PredicateVerdict && st.About(digest.Digest(subject)) && strings.Contains(string(st.Predicate), "pass") {
			return
		}
	}
	t.Errorf("cosign verify-attestation printed no verdict statement about %s:\n%s", subject, out)
}

// TestDrydockVerifiesCosign: drydock verifies what cosign v3.1.3 signs
// with its own key, as a legacy .sig tag and as a bundle referrer made
// with a signing config that names no services; and a cosign bundle
// attestation.
func TestDrydockVerifiesCosign(t *testing.T) {
	ctx := context.Background()
	reg := registrytest.Start(t)
	c := newCosignEnv(t, reg)
	c.run("generate-key-pair")
	pub, err := sign.LoadPublicKeyFile(filepath.Join(c.dir, "cosign.pub"))
	if err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(c.dir, "cosign.key")
	c.run("signing-config", "create", "--out", filepath.Join(c.dir, "sc.json"))

	legacy := pushImage(t, reg, "team/legacy")
	c.run(append([]string{"sign", "--key", key, "--use-signing-config=false", "--tlog-upload=false", "--new-bundle-format=false", legacy.Digest.String()}, httpRegistry...)...)
	got, err := sign.Verify(ctx, legacy, []*sign.PublicKey{pub})
	if err != nil || len(got) != 1 || got[0].Format != "legacy" {
		t.Errorf("cosign's legacy signature: %+v, %v; want one legacy signature verified", got, err)
	}

	bundled := pushImage(t, reg, "team/bundled")
	c.run(append([]string{"sign", "--key", key, "--signing-config", filepath.Join(c.dir, "sc.json"), bundled.Digest.String()}, httpRegistry...)...)
	got, err = sign.Verify(ctx, bundled, []*sign.PublicKey{pub})
	if err != nil || len(got) != 1 || got[0].Format != "bundle" {
		t.Errorf("cosign's bundle signature: %+v, %v; want one bundle signature verified", got, err)
	}

	pred := filepath.Join(c.dir, "provenance.json")
	if err := os.WriteFile(pred, []byte(`{"buildDefinition":{"buildType":"https://example.com/build/v1","externalParameters":{}},"runDetails":{"builder":{"id":"ci/1"}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	c.run(append([]string{"attest", "--key", key, "--signing-config", filepath.Join(c.dir, "sc.json"), "--type", "slsaprovenance1", "--predicate", pred, bundled.Digest.String()}, httpRegistry...)...)
	atts, err := sign.VerifyAttestations(ctx, bundled, []*sign.PublicKey{pub}, sign.PredicateSLSAProvenance)
	if err != nil || len(atts) != 1 || !strings.Contains(string(atts[0].Statement.Predicate), "ci/1") {
		t.Errorf("cosign's provenance attestation: %+v, %v", atts, err)
	}
	// A key cosign did not sign with is refused.
	_, other := newSigner(t, "")
	if _, err := sign.Verify(ctx, bundled, []*sign.PublicKey{other}); err == nil {
		t.Error("cosign's signature verified with an unrelated key")
	}
}
