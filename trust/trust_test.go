package trust_test

import (
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/crane"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/internal/registrytest"
	"github.com/drydock/drydock/sign"
	"github.com/drydock/drydock/trust"
)

var admin = auth.Principal{Name: auth.AdminUser, Kind: "user", Admin: true}

type keyPair struct {
	signer *sign.Signer
	pem    []byte
}

func newKey(t *testing.T) keyPair {
	t.Helper()
	priv, pub, err := sign.GenerateKeyPair(nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := sign.LoadSigner(priv, nil)
	if err != nil {
		t.Fatal(err)
	}
	return keyPair{s, pub}
}

// protectedRegistry is a drydock server whose namespace prod is protected
// and trusts ci's key.
func protectedRegistry(t *testing.T, ci keyPair, requireSignature bool) *registrytest.Registry {
	t.Helper()
	ctx := context.Background()
	reg := registrytest.Start(t)
	if err := reg.Server.Auth().CreateNamespace(ctx, admin, "prod", false); err != nil {
		t.Fatal(err)
	}
	s := trust.NewSettings(reg.Server.Store(), nil)
	if err := s.Protect(ctx, admin, "prod", true, requireSignature); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddKey(ctx, admin, "prod", "ci", ci.pem); err != nil {
		t.Fatal(err)
	}
	return reg
}

// pushByDigest pushes a random image by digest (no tag: allowed anywhere)
// and returns its target.
func pushByDigest(t *testing.T, reg *registrytest.Registry, repo string) *sign.Target {
	t.Helper()
	ctx := context.Background()
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := img.Digest()
	ref := reg.Ref(t, repo+"@"+d.String()).Context().Digest(d.String())
	if err := remote.Write(ref, img, reg.Admin(ctx)...); err != nil {
		t.Fatalf("push by digest: %v", err)
	}
	ropts, _ := sign.Session(reg.Admin(ctx))
	desc, err := partial.Descriptor(img)
	if err != nil {
		t.Fatal(err)
	}
	return &sign.Target{Digest: ref, Descriptor: desc, Remote: ropts}
}

func tag(t *testing.T, reg *registrytest.Registry, target *sign.Target, tagName string) error {
	t.Helper()
	desc, err := remote.Get(target.Digest, reg.Admin(context.Background())...)
	if err != nil {
		t.Fatal(err)
	}
	return remote.Tag(target.Digest.Context().Tag(tagName), desc, reg.Admin(context.Background())...)
}

func verdict(t *testing.T, s *sign.Signer, target *sign.Target, v string) {
	t.Helper()
	if err := s.Attest(context.Background(), target, sign.PredicateVerdict, []byte(`{"verdict":"`+v+`"}`), sign.FormatBundle); err != nil {
		t.Fatal(err)
	}
}

// TestProtectedNamespace: the admin's crane push of a tag is refused and
// audited; a digest carrying a passing verdict signed by the trusted key
// takes the tag; a failing verdict, a verdict signed by an untrusted key, a
// tampered verdict and cosign's legacy tags are refused.
func TestProtectedNamespace(t *testing.T) {
	ctx := context.Background()
	ci, stranger := newKey(t), newKey(t)
	reg := protectedRegistry(t, ci, false)
	opt := crane.WithAuth(&authn.Basic{Username: auth.AdminUser, Password: registrytest.AdminPassword})

	img, _ := random.Image(256, 1)
	err := crane.Push(img, reg.Host+"/prod/app:1.0", opt, crane.Insecure)
	if err == nil || !strings.Contains(err.Error(), "namespace prod is protected") {
		t.Fatalf("crane push by the admin: %v, want refused as protected", err)
	}
	var events []auditlog.Event
	for i := 0; i < 50 && len(events) == 0; i++ { // the audit trail is written off the request path
		time.Sleep(100 * time.Millisecond)
		events, err = reg.Server.Store().QueryAuditEvents(ctx, auditlog.Filter{Repo: "prod/app", Outcome: auditlog.OutcomeDenied})
	}
	if err != nil || len(events) == 0 || events[0].Action != "push" || !strings.Contains(events[0].Reason, "protected") {
		t.Errorf("audit after the refused push: %+v, %v; want a denied push naming the protection", events, err)
	}
	if err := crane.Push(img, reg.Host+"/team/app:1.0", opt, crane.Insecure); err != nil {
		t.Errorf("crane push to an unprotected namespace: %v", err)
	}

	passed := pushByDigest(t, reg, "prod/app")
	verdict(t, ci.signer, passed, "pass")
	if err := tag(t, reg, passed, "1.0"); err != nil {
		t.Errorf("tag of a CI-passed image: %v", err)
	}

	cases := []struct {
		name    string
		prepare func(*sign.Target)
		want    string
	}{
		{"no verdict", func(*sign.Target) {}, "has no verdict attestation"},
		{"failing verdict", func(tg *sign.Target) { verdict(t, ci.signer, tg, "fail") }, "a verdict other than pass"},
		{"untrusted key", func(tg *sign.Target) { verdict(t, stranger.signer, tg, "pass") }, "has no valid one"},
		{"tampered verdict", func(tg *sign.Target) { attachTampered(t, ci.signer, tg) }, "has no valid one"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tg := pushByDigest(t, reg, "prod/app")
			c.prepare(tg)
			err := tag(t, reg, tg, "2.0")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("tag: %v, want refused with %q", err, c.want)
			}
		})
	}
	legacy := "sha256-" + strings.Repeat("a", 64) + ".sig"
	if err := tag(t, reg, passed, legacy); err == nil || !strings.Contains(err.Error(), "legacy tag") {
		t.Errorf("legacy signature tag: %v, want refused", err)
	}
}

// attachTampered attaches a bundle whose signed verdict "fail" was edited
// to "pass" after signing.
func attachTampered(t *testing.T, s *sign.Signer, tg *sign.Target) {
	t.Helper()
	st, _ := sign.NewStatement(tg.Subject(), sign.PredicateVerdict, []byte(`{"verdict":"fail"}`))
	b, err := s.Bundle(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	forged, _ := sign.NewStatement(tg.Subject(), sign.PredicateVerdict, []byte(`{"verdict":"pass"}`))
	raw["dsseEnvelope"].(map[string]any)["payload"] = forged
	tampered, _ := json.Marshal(raw)
	if _, err := sign.AttachBundle(context.Background(), tg, sign.PredicateVerdict, tampered); err != nil {
		t.Fatal(err)
	}
}

// TestRequireSignature: with signatures required, an image a trusted key
// signed is served, an unsigned one is refused, and the signature
// artifacts themselves are served.
func TestRequireSignature(t *testing.T) {
	ctx := context.Background()
	ci := newKey(t)
	reg := protectedRegistry(t, ci, true)
	signed, unsigned := pushByDigest(t, reg, "prod/app"), pushByDigest(t, reg, "prod/app")
	if err := ci.signer.Sign(ctx, signed, sign.FormatBundle); err != nil {
		t.Fatal(err)
	}
	if _, err := remote.Get(signed.Digest, reg.Admin(ctx)...); err != nil {
		t.Errorf("pull of a signed image: %v", err)
	}
	_, err := remote.Get(unsigned.Digest, reg.Admin(ctx)...)
	if err == nil || !strings.Contains(err.Error(), "requires a signature by a trusted key") {
		t.Errorf("pull of an unsigned image: %v, want refused", err)
	}
	if _, err := sign.Verify(ctx, signed, []*sign.PublicKey{ci.signer.Public()}); err != nil {
		t.Errorf("verifying through the registry (reads the signature referrers): %v", err)
	}
	var se *trust.Error
	if _, err := trust.NewSettings(reg.Server.Store(), nil).AddKey(ctx, admin, "prod", "bad", []byte("not a key")); !errors.As(err, &se) || !se.InvalidInput() {
		t.Errorf("AddKey of garbage: %v, want a *trust.Error", err)
	}
}

// TestSkopeoCopyRefused: skopeo, a client written apart from the Go
// libraries, cannot copy an image under a tag of a protected namespace.
func TestSkopeoCopyRefused(t *testing.T) {
	skopeo, err := exec.LookPath("skopeo")
	if err != nil {
		t.Skip("skopeo not installed (scripts/test.sh installs it)")
	}
	reg := protectedRegistry(t, newKey(t), false)
	dir := t.TempDir()
	img, _ := random.Image(256, 1)
	// skopeo reads only OCI media types from a layout.
	img = mutate.ConfigMediaType(mutate.MediaType(img, types.OCIManifestSchema1), types.OCIConfigJSON)
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": "v1"})); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(skopeo, "copy", "--dest-tls-verify=false", "--dest-creds", auth.AdminUser+":"+registrytest.AdminPassword,
		"oci:"+dir+":v1", "docker://"+reg.Host+"/prod/app:v1").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "namespace prod is protected") {
		t.Errorf("skopeo copy into a protected namespace: %v, output %q; want refused as protected", err, out)
	}
}
