package registry_test

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/content/memory"
	orasremote "oras.land/oras-go/v2/registry/remote"

	"github.com/drydock/drydock/store/storetest"
)

// TestOras pushes an artifact and a referrer with oras-go, lists the
// referrers filtered by type, copies the artifact back and deletes it.
func TestOras(t *testing.T) {
	srv := newServer(t, storetest.SQLite(t))
	ctx := context.Background()
	repo, err := orasremote.NewRepository(host(srv) + "/team/artifacts")
	if err != nil {
		t.Fatal(err)
	}
	repo.PlainHTTP = true

	layer := []byte("an SBOM, say")
	ldesc := content.NewDescriptorFromBytes("application/spdx+json", layer)
	if err := repo.Push(ctx, ldesc, bytes.NewReader(layer)); err != nil {
		t.Fatalf("push layer: %v", err)
	}
	subject, err := oras.PackManifest(ctx, repo, oras.PackManifestVersion1_1, "application/vnd.example.thing",
		oras.PackManifestOptions{Layers: []ocispec.Descriptor{ldesc}})
	if err != nil {
		t.Fatalf("pack subject: %v", err)
	}
	if err := repo.Tag(ctx, subject, "v1"); err != nil {
		t.Fatalf("tag: %v", err)
	}
	for _, at := range []string{"application/vnd.example.sig", "application/vnd.example.sbom"} {
		if _, err := oras.PackManifest(ctx, repo, oras.PackManifestVersion1_1, at,
			oras.PackManifestOptions{Subject: &subject, ManifestAnnotations: map[string]string{"kind": at}}); err != nil {
			t.Fatalf("pack referrer %s: %v", at, err)
		}
	}
	var found []string
	err = repo.Referrers(ctx, subject, "application/vnd.example.sbom", func(refs []ocispec.Descriptor) error {
		for _, r := range refs {
			found = append(found, r.ArtifactType+" "+r.Annotations["kind"])
		}
		return nil
	})
	if err != nil || len(found) != 1 || found[0] != "application/vnd.example.sbom application/vnd.example.sbom" {
		t.Errorf("referrers(sbom) = %v, %v; want the one sbom with its annotation", found, err)
	}

	dst := memory.New()
	got, err := oras.Copy(ctx, repo, "v1", dst, "v1", oras.DefaultCopyOptions)
	if err != nil || got.Digest != subject.Digest {
		t.Fatalf("copy = %v, %v; want %s", got.Digest, err, subject.Digest)
	}
	rc, err := dst.Fetch(ctx, ldesc)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := content.ReadAll(rc, ldesc)
	if !bytes.Equal(b, layer) {
		t.Errorf("layer = %q, want %q", b, layer)
	}
	if err := repo.Delete(ctx, subject); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := repo.Resolve(ctx, subject.Digest.String()); err == nil {
		t.Errorf("resolve after delete succeeded")
	}
	var bad digest.Digest = "sha256:nothex"
	if _, err := repo.Resolve(ctx, bad.String()); err == nil {
		t.Errorf("resolve of a malformed digest succeeded")
	}
}

// TestSkopeo copies an image in and out with skopeo, a client written
// independently of the Go libraries above. scripts/test.sh installs it.
func TestSkopeo(t *testing.T) {
	skopeo, err := exec.LookPath("skopeo")
	if err != nil {
		t.Skip("skopeo not installed (scripts/test.sh installs it)")
	}
	srv := newServer(t, storetest.SQLite(t))
	img, _ := random.Image(2048, 2)
	ref, _ := name.NewTag(host(srv)+"/team/src:v1", name.Insecure)
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	steps := [][]string{
		{"copy", "--src-tls-verify=false", "docker://" + host(srv) + "/team/src:v1", "oci:" + dir + ":v1"},
		{"copy", "--dest-tls-verify=false", "oci:" + dir + ":v1", "docker://" + host(srv) + "/team/dst:v1"},
	}
	for _, args := range steps {
		out, err := exec.Command(skopeo, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("skopeo %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	dst, _ := name.NewTag(host(srv)+"/team/dst:v1", name.Insecure)
	got, err := remote.Image(dst)
	if err != nil {
		t.Fatalf("pull what skopeo pushed: %v", err)
	}
	layers, _ := got.Layers()
	if len(layers) != 2 {
		t.Errorf("skopeo's copy has %d layers, want 2", len(layers))
	}
	out, err := exec.Command(skopeo, "inspect", "--tls-verify=false", "docker://"+host(srv)+"/team/dst:v1").CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"Layers"`) {
		t.Errorf("skopeo inspect: %v\n%s", err, out)
	}
	var ee *exec.ExitError
	if _, err := exec.Command(skopeo, "inspect", "--tls-verify=false", "docker://"+host(srv)+"/team/none:v1").CombinedOutput(); !errors.As(err, &ee) {
		t.Errorf("skopeo inspect of a missing image = %v, want a failure", err)
	}
}
