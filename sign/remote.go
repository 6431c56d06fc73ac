package sign

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// maxBlob bounds what is read of one signature, attestation or bundle blob
// (an SBOM attestation of a large image is a few MiB).
const maxBlob = 64 << 20

// maxArtifacts bounds how many referrers or legacy layers are examined.
const maxArtifacts = 256

// Resolve turns ref (a tag or a digest) into the digest it names, with the
// manifest's descriptor.
func Resolve(ctx context.Context, ref string, nopts []name.Option, ropts []remote.Option) (name.Digest, *v1.Descriptor, error) {
	r, err := name.ParseReference(ref, nopts...)
	if err != nil {
		return name.Digest{}, nil, inputErr("reference", err)
	}
	// GET, not HEAD: a refusal's body says why (MANIFEST_UNKNOWN, DENIED).
	desc, err := remote.Get(r, ropts...)
	if err != nil {
		return name.Digest{}, nil, registryErr("resolve "+ref, err)
	}
	return r.Context().Digest(desc.Digest.String()), &desc.Descriptor, nil
}

// registryErr classifies a registry failure: the registry's "no" (auth,
// not found, refused) and an unreachable registry are the caller's problem
// to fix; only a cancelled or expired context is not.
func registryErr(op string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("sign: %s: %w", op, err)
	}
	return inputErr(op, err)
}

func isNotFound(err error) bool {
	var te *transport.Error
	return errors.As(err, &te) && te.StatusCode == http.StatusNotFound
}

// readBlob reads one blob of repo, bounded and checked against its digest.
func readBlob(repo name.Repository, d v1.Descriptor, ropts []remote.Option) ([]byte, error) {
	if d.Size > maxBlob {
		return nil, fmt.Errorf("blob %s is %d bytes, more than the %d allowed", d.Digest, d.Size, maxBlob)
	}
	l, err := remote.Layer(repo.Digest(d.Digest.String()), ropts...)
	if err != nil {
		return nil, err
	}
	rc, err := l.Compressed()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxBlob+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > maxBlob {
		return nil, fmt.Errorf("blob %s is larger than the %d bytes allowed", d.Digest, maxBlob)
	}
	got, _, err := v1.SHA256(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	if got != d.Digest {
		return nil, fmt.Errorf("blob %s: content has digest %s", d.Digest, got)
	}
	return b, nil
}

// referrerManifest is an OCI 1.1 image manifest with artifactType and
// subject, the shape cosign 3 writes for a bundle.
type referrerManifest struct {
	SchemaVersion int64             `json:"schemaVersion"`
	MediaType     types.MediaType   `json:"mediaType"`
	ArtifactType  string            `json:"artifactType,omitempty"`
	Config        v1.Descriptor     `json:"config"`
	Layers        []v1.Descriptor   `json:"layers"`
	Subject       *v1.Descriptor    `json:"subject,omitempty"`
	Annotations   map[string]string `json:"annotations,omitempty"`
}

type rawManifest struct {
	b  []byte
	mt types.MediaType
}

func (m rawManifest) RawManifest() ([]byte, error)        { return m.b, nil }
func (m rawManifest) MediaType() (types.MediaType, error) { return m.mt, nil }

// emptyConfig is the OCI empty descriptor's content.
var emptyConfig = []byte("{}")

// writeReferrer uploads blob as the one layer of a referrer manifest about
// subject and puts the manifest by digest. It returns the manifest digest.
func writeReferrer(ctx context.Context, subject name.Digest, subjectDesc *v1.Descriptor, artifactType string, blob []byte, layerMT types.MediaType, annotations map[string]string, ropts []remote.Option) (v1.Hash, error) {
	repo := subject.Context()
	cfg := static.NewLayer(emptyConfig, EmptyMediaType)
	layer := static.NewLayer(blob, layerMT)
	for _, l := range []v1.Layer{cfg, layer} {
		if err := remote.WriteLayer(repo, l, ropts...); err != nil {
			return v1.Hash{}, registryErr("upload to "+repo.String(), err)
		}
	}
	cfgDigest, _ := cfg.Digest()
	layerDigest, _ := layer.Digest()
	m := referrerManifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		ArtifactType:  artifactType,
		Config:        v1.Descriptor{MediaType: EmptyMediaType, Digest: cfgDigest, Size: int64(len(emptyConfig))},
		Layers:        []v1.Descriptor{{MediaType: layerMT, Digest: layerDigest, Size: int64(len(blob))}},
		Subject:       &v1.Descriptor{MediaType: subjectDesc.MediaType, Digest: subjectDesc.Digest, Size: subjectDesc.Size},
		Annotations:   annotations,
	}
	b, err := json.Marshal(m)
	if err != nil {
		return v1.Hash{}, err
	}
	h, _, err := v1.SHA256(bytes.NewReader(b))
	if err != nil {
		return v1.Hash{}, err
	}
	if err := remote.Put(repo.Digest(h.String()), rawManifest{b, types.OCIManifestSchema1}, ropts...); err != nil {
		return v1.Hash{}, registryErr("put referrer in "+repo.String(), err)
	}
	return h, nil
}

// bundleReferrers lists the Sigstore bundle referrers of subject and reads
// each one's bundle layer. Unreadable referrers are reported in bad.
func bundleReferrers(subject name.Digest, ropts []remote.Option) (bundles [][]byte, bad []error, err error) {
	idx, err := remote.Referrers(subject, ropts...)
	if err != nil {
		if isNotFound(err) {
			return nil, nil, nil
		}
		return nil, nil, registryErr("list referrers of "+subject.String(), err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, nil, registryErr("list referrers of "+subject.String(), err)
	}
	n := 0
	for _, d := range im.Manifests {
		if d.ArtifactType != BundleMediaType {
			continue
		}
		if n++; n > maxArtifacts {
			bad = append(bad, fmt.Errorf("more than %d bundle referrers; the rest were not read", maxArtifacts))
			break
		}
		b, err := readReferrerBundle(subject.Context(), d, ropts)
		if err != nil {
			bad = append(bad, fmt.Errorf("referrer %s: %w", d.Digest, err))
			continue
		}
		bundles = append(bundles, b)
	}
	return bundles, bad, nil
}

func readReferrerBundle(repo name.Repository, d v1.Descriptor, ropts []remote.Option) ([]byte, error) {
	desc, err := remote.Get(repo.Digest(d.Digest.String()), ropts...)
	if err != nil {
		return nil, err
	}
	var m referrerManifest
	if err := json.Unmarshal(desc.Manifest, &m); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	for _, l := range m.Layers {
		if string(l.MediaType) == BundleMediaType {
			return readBlob(repo, l, ropts)
		}
	}
	return nil, errors.New("no " + BundleMediaType + " layer")
}

func now() string { return time.Now().UTC().Format(time.RFC3339) }

// Session returns ropts with one puller and one pusher that keep their
// registry tokens across calls, so signing and verifying an image logs in
// once per repository instead of once per request.
func Session(ropts []remote.Option) ([]remote.Option, error) {
	pl, err := remote.NewPuller(ropts...)
	if err != nil {
		return nil, err
	}
	pu, err := remote.NewPusher(ropts...)
	if err != nil {
		return nil, err
	}
	return append(append([]remote.Option{}, ropts...), remote.Reuse(pl), remote.Reuse(pu)), nil
}
