package registry

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/drydock/drydock/blobstore"
)

// Manifest media types the registry accepts.
const (
	mediaOCIManifest    = ocispec.MediaTypeImageManifest
	mediaOCIIndex       = ocispec.MediaTypeImageIndex
	mediaDockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
	mediaDockerList     = "application/vnd.docker.distribution.manifest.list.v2+json"
)

// manifestDoc is the union of the fields of image manifests (ocispec.Manifest)
// and indexes (ocispec.Index) the registry reads, with pointers where the
// spec's types cannot tell absent from empty; everything else is kept
// verbatim in the raw bytes.
type manifestDoc struct {
	specs.Versioned
	MediaType    string               `json:"mediaType"`
	ArtifactType string               `json:"artifactType"`
	Config       *ocispec.Descriptor  `json:"config"`
	Layers       []ocispec.Descriptor `json:"layers"`
	Manifests    []ocispec.Descriptor `json:"manifests"`
	Subject      *ocispec.Descriptor  `json:"subject"`
	Annotations  map[string]string    `json:"annotations"`
}

// parsedManifest is what the store needs to know about a pushed manifest.
type parsedManifest struct {
	mediaType       string
	artifactType    string
	configMediaType string
	subject         string
	annotations     map[string]string
	blobs           []string // must be in the repository
}

// parseManifest checks a manifest body against its Content-Type and the
// image spec's required fields, and lists what it references.
func parseManifest(body []byte, contentType string) (*parsedManifest, error) {
	var doc manifestDoc
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, newError(CodeManifestInvalid, "not JSON: %v", err)
	}
	ct, _, _ := strings.Cut(contentType, ";")
	ct = strings.TrimSpace(ct)
	mt := doc.MediaType
	switch {
	case mt == "" && ct == "":
		return nil, newError(CodeManifestInvalid, "no mediaType field and no Content-Type")
	case mt == "":
		mt = ct
	case ct != "" && ct != mt:
		return nil, newError(CodeManifestInvalid, "Content-Type %q but mediaType field %q", ct, mt)
	}
	if doc.SchemaVersion != 2 {
		return nil, newError(CodeManifestInvalid, "schemaVersion %d, want 2", doc.SchemaVersion)
	}
	p := &parsedManifest{mediaType: mt, artifactType: doc.ArtifactType, annotations: doc.Annotations}
	switch mt {
	case mediaOCIManifest, mediaDockerManifest:
		if doc.Config == nil {
			return nil, newError(CodeManifestInvalid, "image manifest without config")
		}
		if doc.Manifests != nil {
			return nil, newError(CodeManifestInvalid, "image manifest with a manifests list")
		}
		if err := checkDescriptor("config", *doc.Config); err != nil {
			return nil, err
		}
		p.configMediaType = doc.Config.MediaType
		p.blobs = append(p.blobs, doc.Config.Digest.String()) // first: sparse mode keeps only this one
		for i, l := range doc.Layers {
			if err := checkDescriptor("layers["+strconv.Itoa(i)+"]", l); err != nil {
				return nil, err
			}
			if foreign(l) {
				continue // stored elsewhere by design; never pushed here
			}
			p.blobs = append(p.blobs, l.Digest.String())
		}
		if p.artifactType == "" {
			// The spec's rule for the referrers API: an image manifest's type
			// is its config's media type when artifactType is absent.
			p.artifactType = doc.Config.MediaType
		}
	case mediaOCIIndex, mediaDockerList:
		if doc.Config != nil || doc.Layers != nil {
			return nil, newError(CodeManifestInvalid, "index with config or layers")
		}
		for i, m := range doc.Manifests {
			if err := checkDescriptor("manifests["+strconv.Itoa(i)+"]", m); err != nil {
				return nil, err
			}
		}
	default:
		return nil, newError(CodeManifestInvalid, "unsupported media type %q", mt)
	}
	if doc.Subject != nil {
		if err := checkDescriptor("subject", *doc.Subject); err != nil {
			return nil, err
		}
		p.subject = doc.Subject.Digest.String()
	}
	return p, nil
}

func checkDescriptor(where string, d ocispec.Descriptor) error {
	if d.MediaType == "" {
		return newError(CodeManifestInvalid, "%s: no mediaType", where)
	}
	if _, err := blobstore.ParseDigest(d.Digest.String()); err != nil {
		return newError(CodeManifestInvalid, "%s: %v", where, err)
	}
	if d.Size < 0 {
		return newError(CodeManifestInvalid, "%s: negative size", where)
	}
	return nil
}

// foreign layers (nondistributable, or fetched from their urls) are not
// expected in the registry.
func foreign(d ocispec.Descriptor) bool {
	return len(d.URLs) > 0 || strings.Contains(d.MediaType, "nondistributable") ||
		strings.Contains(d.MediaType, ".foreign.")
}
