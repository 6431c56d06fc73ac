package sign

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/opencontainers/go-digest"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"github.com/sigstore/sigstore/pkg/signature/payload"
)

// legacyTag is cosign's tag for subject's signatures (suffix "sig") or
// attestations ("att"): "sha256-<hex>.sig".
func legacyTag(subject name.Digest, suffix string) name.Tag {
	d := strings.Replace(subject.DigestStr(), ":", "-", 1)
	return subject.Context().Tag(d + "." + suffix)
}

// IsLegacyTag says whether tag is one of cosign's signature, attestation
// or SBOM tags ("sha256-<hex>.sig", ".att", ".sbom").
func IsLegacyTag(tag string) bool {
	alg, rest, ok := strings.Cut(tag, "-")
	if !ok || (alg != "sha256" && alg != "sha512") {
		return false
	}
	hexPart, suffix, ok := strings.Cut(rest, ".")
	if !ok || (suffix != "sig" && suffix != "att" && suffix != "sbom") {
		return false
	}
	return digest.NewDigestFromEncoded(digest.Algorithm(alg), hexPart).Validate() == nil
}

// appendLegacy adds a layer to the image under tag (creating it when
// absent) and pushes it, leaving a layer that is already there alone.
func appendLegacy(tag name.Tag, layer v1.Layer, ann map[string]string, ropts []remote.Option) error {
	base, err := remote.Image(tag, ropts...)
	switch {
	case isNotFound(err):
		base = mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	case err != nil:
		return registryErr("read "+tag.String(), err)
	}
	m, err := base.Manifest()
	if err != nil {
		return registryErr("read "+tag.String(), err)
	}
	ld, err := layer.Digest()
	if err != nil {
		return err
	}
	for _, l := range m.Layers {
		if l.Digest == ld && l.Annotations[SignatureAnnotation] == ann[SignatureAnnotation] {
			return nil
		}
	}
	img, err := mutate.Append(base, mutate.Addendum{Layer: layer, Annotations: ann})
	if err != nil {
		return err
	}
	if err := remote.Write(tag, img, ropts...); err != nil {
		return registryErr("push "+tag.String(), err)
	}
	return nil
}

// signLegacy pushes a simple-signing payload for subject with its
// signature under the .sig tag, as `cosign sign` with the legacy format.
func (s *Signer) signLegacy(ctx context.Context, subject name.Digest, ropts []remote.Option) error {
	p, err := payload.Cosign{Image: subject}.MarshalJSON()
	if err != nil {
		return err
	}
	sig, err := s.SignMessage(ctx, p)
	if err != nil {
		return err
	}
	ann := map[string]string{SignatureAnnotation: base64.StdEncoding.EncodeToString(sig)}
	return appendLegacy(legacyTag(subject, "sig"), static.NewLayer(p, SimpleSigningMediaType), ann, ropts)
}

// attestLegacy pushes statement in a DSSE envelope under the .att tag.
func (s *Signer) attestLegacy(ctx context.Context, subject name.Digest, predicateType string, statement []byte, ropts []remote.Option) error {
	sig, err := s.SignMessage(ctx, dsse.PAE(InTotoPayloadType, statement))
	if err != nil {
		return err
	}
	env, err := json.Marshal(dsse.Envelope{
		PayloadType: InTotoPayloadType,
		Payload:     base64.StdEncoding.EncodeToString(statement),
		Signatures:  []dsse.Signature{{Sig: base64.StdEncoding.EncodeToString(sig)}},
	})
	if err != nil {
		return err
	}
	ann := map[string]string{SignatureAnnotation: "", "predicateType": predicateType}
	return appendLegacy(legacyTag(subject, "att"), static.NewLayer(env, DSSEMediaType), ann, ropts)
}

// legacyLayers reads the layers of the .sig or .att image of subject that
// have media type mt, with their annotations; none when there is no tag.
func legacyLayers(subject name.Digest, suffix string, mt types.MediaType, ropts []remote.Option) (blobs [][]byte, anns []map[string]string, bad []error, err error) {
	tag := legacyTag(subject, suffix)
	desc, err := remote.Get(tag, ropts...)
	if err != nil {
		if isNotFound(err) {
			return nil, nil, nil, nil
		}
		return nil, nil, nil, registryErr("read "+tag.String(), err)
	}
	var m v1.Manifest
	if err := json.Unmarshal(desc.Manifest, &m); err != nil {
		return nil, nil, []error{fmt.Errorf("%s: manifest: %w", tag, err)}, nil
	}
	for i, l := range m.Layers {
		if l.MediaType != mt {
			continue
		}
		if i >= maxArtifacts {
			bad = append(bad, fmt.Errorf("%s: more than %d layers; the rest were not read", tag, maxArtifacts))
			break
		}
		b, err := readBlob(subject.Context(), l, ropts)
		if err != nil {
			bad = append(bad, fmt.Errorf("%s layer %s: %w", tag, l.Digest, err))
			continue
		}
		blobs, anns = append(blobs, b), append(anns, l.Annotations)
	}
	return blobs, anns, bad, nil
}

// verifySimpleSigning checks a legacy signature over a simple-signing
// payload and that the payload names subject.
func verifySimpleSigning(p []byte, b64sig string, subject digest.Digest, keys []*PublicKey) (*PublicKey, error) {
	sig, err := base64.StdEncoding.DecodeString(b64sig)
	if err != nil || len(sig) == 0 {
		return nil, fmt.Errorf("annotation %s is not a base64 signature", SignatureAnnotation)
	}
	k, err := anyKey(keys, sig, p)
	if err != nil {
		return nil, err
	}
	var sci payload.SimpleContainerImage
	if err := json.Unmarshal(p, &sci); err != nil {
		return nil, fmt.Errorf("simple-signing payload: %w", err)
	}
	if got := sci.Critical.Image.DockerManifestDigest; got != subject.String() {
		return nil, fmt.Errorf("signed payload is about %s, not %s", got, subject)
	}
	return k, nil
}

// verifyEnvelope checks a DSSE envelope's signatures (one valid signature
// by any key suffices) and returns its in-toto statement about subject.
func verifyEnvelope(envJSON []byte, subject digest.Digest, keys []*PublicKey) (*Statement, *PublicKey, error) {
	var env dsse.Envelope
	if err := json.Unmarshal(envJSON, &env); err != nil {
		return nil, nil, fmt.Errorf("DSSE envelope: %w", err)
	}
	if env.PayloadType != InTotoPayloadType {
		return nil, nil, fmt.Errorf("DSSE payload type %q is not %s", env.PayloadType, InTotoPayloadType)
	}
	body, err := env.DecodeB64Payload()
	if err != nil {
		return nil, nil, fmt.Errorf("DSSE payload: %w", err)
	}
	pae := dsse.PAE(env.PayloadType, body)
	var k *PublicKey
	var lastErr error = fmt.Errorf("DSSE envelope has no signature")
	for _, s := range env.Signatures {
		sig, err := base64.StdEncoding.DecodeString(s.Sig)
		if err != nil {
			lastErr = fmt.Errorf("DSSE signature is not base64")
			continue
		}
		if k, lastErr = anyKey(keys, sig, pae); lastErr == nil {
			break
		}
	}
	if k == nil {
		return nil, nil, lastErr
	}
	st, err := ParseStatement(body)
	if err != nil {
		return nil, nil, err
	}
	if !st.About(subject) {
		return nil, nil, fmt.Errorf("statement is about %v, not %s", st.Subjects, subject)
	}
	return st, k, nil
}

func anyKey(keys []*PublicKey, sig, msg []byte) (*PublicKey, error) {
	for _, k := range keys {
		if k.verify(sig, msg) == nil {
			return k, nil
		}
	}
	return nil, fmt.Errorf("signature does not verify with any of the %d keys given", len(keys))
}
