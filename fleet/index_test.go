package fleet_test

import (
	"context"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/fleet"
	"github.com/drydock/drydock/image/imagetest"
	"github.com/drydock/drydock/store/storetest"
)

// A workload runs a multi-platform image by its index digest, as
// Kubernetes reports it; the registry's scan on push stored the SBOMs of
// its platform images. The audit uses the linux/amd64 one and reads
// nothing.
func TestAuditRunsAnIndexByItsPlatformSBOM(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, storetest.SQLite(t))
	libc := imagetest.DpkgStanza("libc6", "glibc", "2.36-9+deb12u1")
	amd, arm := debian(t, "amd64", libc), debian(t, "arm64")
	idx := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: arm, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64"}}},
		mutate.IndexAddendum{Add: amd, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}})
	ref, err := name.ParseReference(e.private.host+"/prod/multi:1", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(ref, idx); err != nil {
		t.Fatal(err)
	}
	id, _ := idx.Digest()
	for _, img := range []v1.Image{amd, arm} {
		d, _ := img.Digest()
		e.scanOnPush(t, "prod/multi", digest.Digest(d.String()))
	}
	before := e.private.n.Load()
	src := &listed{name: "inventory", rs: []fleet.Running{deploy("Deployment", "prod", "multi", ref.String(), digest.Digest(id.String()))}}
	for i := range 2 {
		rep, err := e.auditor.Run(ctx, src)
		if err != nil {
			t.Fatal(err)
		}
		img := rep.Images[0]
		if img.Error != "" || !hasFinding(img, "CVE-2023-4911", "high") || rep.Rematch.Cataloged != 0 {
			t.Fatalf("audit %d: image %+v, rematch %+v; want amd64's glibc finding from its stored SBOM, nothing cataloged", i+1, img, rep.Rematch)
		}
	}
	if n := e.private.n.Load() - before; n != 0 {
		t.Errorf("the private registry answered %d requests; want none", n)
	}
}
