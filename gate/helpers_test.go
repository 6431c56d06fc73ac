package gate_test

import (
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/drydock/drydock/image/imagetest"
)

// baseDigest is the base image the test images name in their annotations.
const baseDigest = "sha256:1111111111111111111111111111111111111111111111111111111111111111"

// appImage is a Debian 12 base layer (with libc6 from glibcVersion) plus an
// application layer, annotated with its base image as buildkit does.
func appImage(t *testing.T, glibcVersion string) v1.Image {
	t.Helper()
	img := imagetest.Image(t,
		imagetest.Step{Layer: imagetest.Layer(t,
			imagetest.File{Name: "etc/os-release", Body: imagetest.DebianOSRelease},
			imagetest.File{Name: "var/lib/dpkg/status", Body: imagetest.DpkgStanza("libc6", "glibc", glibcVersion) + imagetest.DpkgStanza("bash", "", "5.2.15-2+b2")},
		), CreatedBy: "ADD rootfs.tar /"},
		imagetest.Step{Layer: imagetest.Layer(t,
			imagetest.File{Name: "app/server", Body: "#!/bin/sh\necho app\n"},
		), CreatedBy: "COPY server /app/server"},
	)
	return mutate.Annotations(img, map[string]string{
		"org.opencontainers.image.base.name":   "docker.io/library/debian:12",
		"org.opencontainers.image.base.digest": baseDigest,
	}).(v1.Image)
}

// Versions of glibc below and at the fix of CVE-2023-4911 (in the fixtures).
const (
	vulnerableGlibc = "2.36-9+deb12u1"
	fixedGlibc      = "2.36-9+deb12u3"
)
