package gate_test

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/opencontainers/go-digest"
	"github.com/sigstore/sigstore/pkg/cryptoutils"

	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/catalog"
	"github.com/drydock/drydock/gate"
	"github.com/drydock/drydock/image"
	"github.com/drydock/drydock/image/imagetest"
	"github.com/drydock/drydock/internal/registrytest"
	"github.com/drydock/drydock/policy"
	"github.com/drydock/drydock/scan"
	"github.com/drydock/drydock/sign"
	"github.com/drydock/drydock/sign/signtest"
	"github.com/drydock/drydock/trust"
	"github.com/drydock/drydock/vulndb/vulndbtest"
)

const commit = "3f2a9c1e5b7d40c2a1f0e9d8c7b6a5f4e3d2c1b0"

func config(t *testing.T, reg *registrytest.Registry, src, push string) (gate.Config, *sign.PublicKey) {
	signer, pub := signtest.KeyPair(t, "ci.pub")
	scanner, err := scan.New(vulndbtest.FixtureDB(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	return gate.Config{
		Source: src, Push: reg.Host + "/" + push, Signer: signer, Scanner: scanner,
		CatalogOptions: []catalog.Option{catalog.WithoutCache()},
		ImageOptions:   []image.Option{image.WithBasicAuth(auth.AdminUser, registrytest.AdminPassword), image.WithInsecure()},
		Access:         image.RegistryAccess{User: auth.AdminUser, Password: registrytest.AdminPassword, Insecure: true},
		Provenance: gate.Provenance{SourceRepo: "https://git.example.com/team/app", SourceRev: commit,
			BuilderID: "ci/pipeline-42", InvocationID: "https://ci.example.com/jobs/42"},
		SARIF: filepath.Join(dir, "scan.sarif"), JUnit: filepath.Join(dir, "scan.xml"),
	}, pub
}

// blobsIn says which of img's blobs (config and layers) repo holds.
func blobsIn(t *testing.T, reg *registrytest.Registry, repo string, img v1.Image) int {
	t.Helper()
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	repoRef := reg.Ref(t, repo+":x").Context()
	for _, d := range append([]v1.Descriptor{m.Config}, m.Layers...) {
		l, err := remote.Layer(repoRef.Digest(d.Digest.String()), reg.Admin(context.Background())...)
		if err != nil {
			t.Fatal(err)
		}
		if rc, err := l.Compressed(); err == nil {
			rc.Close()
			n++
		}
	}
	return n
}

// blobFiles counts the files in the registry's blob store, uploads included.
func blobFiles(t *testing.T, reg *registrytest.Registry) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(filepath.Join(reg.DataDir, "blobs"), func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestFailingImagePushesNothing: a known vulnerability under the strict
// default policy fails the gate (a *policy.Failure); reports are written;
// the registry holds no blob of the image and no tag.
func TestFailingImagePushesNothing(t *testing.T) {
	reg := registrytest.Start(t)
	img := appImage(t, vulnerableGlibc)
	cfg, _ := config(t, reg, "oci:"+imagetest.LayoutDir(t, img), "team/app:1.0")
	other, _ := random.Image(256, 1)
	if err := remote.Write(reg.Ref(t, "team/other:1"), other, reg.Admin(context.Background())...); err != nil {
		t.Fatal(err)
	}
	before := blobFiles(t, reg)
	if before == 0 {
		t.Fatalf("no files under %s/blobs after a push: the count below would prove nothing", reg.DataDir)
	}
	res, err := gate.Run(context.Background(), cfg)
	var failure *policy.Failure
	if !errors.As(err, &failure) {
		t.Fatalf("gate: %v, want a *policy.Failure", err)
	}
	if !strings.Contains(err.Error(), "CVE-2023-4911") {
		t.Errorf("failure %q does not name CVE-2023-4911", err)
	}
	if res == nil || res.Tag != "" {
		t.Fatalf("result %+v: want a scan and no tag", res)
	}
	for _, f := range []string{cfg.SARIF, cfg.JUnit} {
		if b, err := os.ReadFile(f); err != nil || !strings.Contains(string(b), "CVE-2023-4911") {
			t.Errorf("report %s: %v; want it written, naming CVE-2023-4911", f, err)
		}
	}
	if n := blobsIn(t, reg, "team/app", img); n != 0 {
		t.Errorf("registry holds %d of the failing image's blobs, want 0", n)
	}
	if after := blobFiles(t, reg); after != before {
		t.Errorf("the registry's blob store went from %d to %d files, want no change", before, after)
	}
	if _, err := remote.Head(reg.Ref(t, "team/app:1.0"), reg.Admin(context.Background())...); err == nil {
		t.Error("tag team/app:1.0 exists after a failing gate")
	}
}

// TestExceptionLetsImagePass: the same image passes with an exception that
// has a reason and an expiry, and then carries its tag, signature and four
// verifiable attestations.
func TestPassingImageIsSignedAndAttested(t *testing.T) {
	ctx := context.Background()
	reg := registrytest.Start(t)
	img := appImage(t, vulnerableGlibc)
	cfg, pub := config(t, reg, "oci:"+imagetest.LayoutDir(t, img), "team/app:1.0")
	pol, err := policy.Parse([]byte(`apiVersion: drydock/v1
kind: Policy
name: with-exception
severity:
  failOn: low
  unknownAs: low
exceptions:
  - id: CVE-2023-4911
    package: libc6
    reason: the setuid loaders are not in this image
    expires: 2099-01-01
`), "with-exception")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Policy = pol
	res, err := gate.Run(ctx, cfg)
	if err != nil {
		t.Fatalf("gate: %v", err)
	}
	want, _ := img.Digest()
	if res.Tag != reg.Host+"/team/app:1.0" || res.Digest.DigestStr() != want.String() {
		t.Fatalf("tag %q digest %s, want %s/team/app:1.0 at %s", res.Tag, res.Digest, reg.Host, want)
	}
	desc, err := remote.Head(reg.Ref(t, "team/app:1.0"), reg.Admin(ctx)...)
	if err != nil || desc.Digest != want {
		t.Fatalf("tag points at %v (%v), want %s", desc, err, want)
	}
	ropts, _ := sign.Session(reg.Admin(ctx))
	target := &sign.Target{Digest: res.Digest, Remote: ropts}
	if _, err := sign.Verify(ctx, target, []*sign.PublicKey{pub}); err != nil {
		t.Errorf("signature: %v", err)
	}
	preds := map[string]json.RawMessage{}
	for _, pt := range []string{sign.PredicateCycloneDX, sign.PredicateVuln, sign.PredicateSLSAProvenance, sign.PredicateVerdict} {
		got, err := sign.VerifyAttestations(ctx, target, []*sign.PublicKey{pub}, pt)
		if err != nil || len(got) != 1 {
			t.Errorf("attestation %s: %d verified, %v", pt, len(got), err)
			continue
		}
		preds[pt] = got[0].Statement.Predicate
	}
	var verdict gate.Verdict
	if err := json.Unmarshal(preds[sign.PredicateVerdict], &verdict); err != nil || verdict.Verdict != "pass" || len(verdict.Suppressed) != 1 {
		t.Errorf("verdict %+v (%v): want pass with CVE-2023-4911 suppressed", verdict, err)
	}
	var prov struct {
		BuildDefinition struct {
			BuildType            string
			ResolvedDependencies []struct {
				URI    string `json:"uri"`
				Digest map[string]string
			}
		}
		RunDetails struct {
			Builder  struct{ ID string }
			Metadata struct{ StartedOn, FinishedOn time.Time }
		}
	}
	if err := json.Unmarshal(preds[sign.PredicateSLSAProvenance], &prov); err != nil {
		t.Fatal(err)
	}
	deps := prov.BuildDefinition.ResolvedDependencies
	if prov.RunDetails.Builder.ID != "ci/pipeline-42" || len(deps) != 2 ||
		deps[0].Digest["gitCommit"] != commit || "sha256:"+deps[1].Digest["sha256"] != baseDigest ||
		prov.RunDetails.Metadata.StartedOn.IsZero() || prov.RunDetails.Metadata.FinishedOn.Before(prov.RunDetails.Metadata.StartedOn) {
		t.Errorf("provenance %s: want builder, source commit, base image digest and start before finish", preds[sign.PredicateSLSAProvenance])
	}
	var vuln struct {
		Scanner struct {
			DB     struct{ Version string }
			Result struct{ Summary struct{ Total int } }
		}
	}
	if err := json.Unmarshal(preds[sign.PredicateVuln], &vuln); err != nil || vuln.Scanner.DB.Version == "" {
		t.Errorf("vuln predicate: db version %q (%v), want the database build time", vuln.Scanner.DB.Version, err)
	}
	if !strings.Contains(string(preds[sign.PredicateCycloneDX]), `"libc6"`) {
		t.Errorf("SBOM attestation does not list libc6")
	}
}

// TestPromotion gates an image already in a staging repository and pushes
// it to production under a new tag.
func TestPromotion(t *testing.T) {
	ctx := context.Background()
	reg := registrytest.Start(t)
	img := appImage(t, fixedGlibc)
	d, _ := img.Digest()
	if err := remote.Write(reg.Ref(t, "staging/app:rc1"), img, reg.Admin(ctx)...); err != nil {
		t.Fatal(err)
	}
	cfg, pub := config(t, reg, reg.Host+"/staging/app@"+d.String(), "prod/app:1.4")
	res, err := gate.Run(ctx, cfg)
	if err != nil {
		t.Fatalf("gate: %v", err)
	}
	if res.Digest.DigestStr() != d.String() {
		t.Errorf("promoted digest %s, want %s", res.Digest.DigestStr(), d)
	}
	ropts, _ := sign.Session(reg.Admin(ctx))
	if _, err := sign.VerifyAttestations(ctx, &sign.Target{Digest: res.Digest, Remote: ropts}, []*sign.PublicKey{pub}, sign.PredicateVerdict); err != nil {
		t.Errorf("verdict attestation in prod: %v", err)
	}
}

// failTagPut is a client transport that fails a manifest PUT by tag: a
// fault injected on the client side of a real registry, to show a late
// step's failure leaves the tag unmoved.
type failTagPut struct{ tag string }

func (f failTagPut) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/manifests/"+f.tag) {
		return nil, errors.New("injected: connection reset")
	}
	return http.DefaultTransport.RoundTrip(r)
}

func TestFailedStepLeavesTagUnmoved(t *testing.T) {
	ctx := context.Background()
	reg := registrytest.Start(t)
	old := appImage(t, fixedGlibc)
	if err := remote.Write(reg.Ref(t, "team/app:1.0"), old, reg.Admin(ctx)...); err != nil {
		t.Fatal(err)
	}
	oldDigest, _ := old.Digest()
	newer := appImage(t, "2.36-9+deb12u4")
	cfg, _ := config(t, reg, "oci:"+imagetest.LayoutDir(t, newer), "team/app:1.0")
	cfg.Access.Transport = failTagPut{"1.0"}
	_, err := gate.Run(ctx, cfg)
	var step *gate.StepError
	if !errors.As(err, &step) || !strings.HasPrefix(step.Step, "tag ") || step.InvalidInput() {
		t.Fatalf("gate: %v, want a *gate.StepError at the tag step", err)
	}
	desc, err := remote.Head(reg.Ref(t, "team/app:1.0"), reg.Admin(ctx)...)
	if err != nil || desc.Digest != oldDigest {
		t.Errorf("tag now at %v (%v), want it still at %s", desc, err, oldDigest)
	}
}

// TestGateIntoProtectedNamespace: in a protected namespace the gate's push
// takes the tag when the namespace trusts the gate's key, and is refused at
// the tag step (exit 3, tag unmoved) when it does not.
func TestGateIntoProtectedNamespace(t *testing.T) {
	ctx := context.Background()
	reg := registrytest.Start(t)
	admin := auth.Principal{Name: auth.AdminUser, Kind: "user", Admin: true}
	if err := reg.Server.Auth().CreateNamespace(ctx, admin, "prod", false); err != nil {
		t.Fatal(err)
	}
	cfg, pub := config(t, reg, "oci:"+imagetest.LayoutDir(t, appImage(t, fixedGlibc)), "prod/app:1.0")
	settings := trust.NewSettings(reg.Server.Store(), nil)
	if err := settings.Protect(ctx, admin, "prod", true, true); err != nil {
		t.Fatal(err)
	}
	pem, err := pemOf(pub)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := settings.AddKey(ctx, admin, "prod", "ci", pem); err != nil {
		t.Fatal(err)
	}
	res, err := gate.Run(ctx, cfg)
	if err != nil {
		t.Fatalf("gate with the trusted key: %v", err)
	}
	if _, err := remote.Head(reg.Ref(t, "prod/app:1.0"), reg.Admin(ctx)...); err != nil {
		t.Errorf("gated image not served by tag: %v", err)
	}
	// Admission's provenance check reads the source repository where the
	// gate's SLSA provenance writes it.
	tg := trust.New(reg.Server.Store(), reg.Server.Blobs(), nil)
	d := digest.Digest(res.Digest.DigestStr())
	for repos, wantOK := range map[string]bool{cfg.Provenance.SourceRepo: true, "https://git.example.com/other/app": false} {
		if err := settings.SetSourceRepos(ctx, admin, "prod", []string{repos}); err != nil {
			t.Fatal(err)
		}
		err := tg.CheckProvenance(ctx, "prod/app", d)
		if (err == nil) != wantOK || (!wantOK && !strings.Contains(err.Error(), `"`+cfg.Provenance.SourceRepo+`", which is not allowed`)) {
			t.Errorf("CheckProvenance with %s allowed: %v, want ok %t", repos, err, wantOK)
		}
	}
	untrusted, _ := config(t, reg, "oci:"+imagetest.LayoutDir(t, appImage(t, "2.36-9+deb12u4")), "prod/app:1.1")
	_, err = gate.Run(ctx, untrusted)
	var step *gate.StepError
	if !errors.As(err, &step) || !strings.HasPrefix(step.Step, "tag ") || !strings.Contains(err.Error(), "protected") {
		t.Fatalf("gate with an untrusted key: %v, want refused at the tag step", err)
	}
}

func pemOf(k *sign.PublicKey) ([]byte, error) { return cryptoutils.MarshalPublicKeyToPEM(k.Key) }

// TestDockerArchive gates `docker save` output: the digest pushed is the
// one the registry serves and the one the attestations name.
func TestDockerArchive(t *testing.T) {
	ctx := context.Background()
	reg := registrytest.Start(t)
	img := appImage(t, fixedGlibc)
	file := filepath.Join(t.TempDir(), "app.tar")
	tag, _ := name.NewTag("app:ci")
	if err := tarball.WriteToFile(file, tag, img); err != nil {
		t.Fatal(err)
	}
	cfg, pub := config(t, reg, "docker-archive:"+file, "team/app:1.0")
	res, err := gate.Run(ctx, cfg)
	if err != nil {
		t.Fatalf("gate: %v", err)
	}
	desc, err := remote.Head(reg.Ref(t, "team/app:1.0"), reg.Admin(ctx)...)
	if err != nil || desc.Digest.String() != res.Digest.DigestStr() {
		t.Fatalf("tag at %v (%v), want %s", desc, err, res.Digest)
	}
	ropts, _ := sign.Session(reg.Admin(ctx))
	if _, err := sign.VerifyAttestations(ctx, &sign.Target{Digest: res.Digest, Remote: ropts}, []*sign.PublicKey{pub}, sign.PredicateVerdict); err != nil {
		t.Errorf("verdict of the archive's push: %v", err)
	}
}
