package jobs

import (
	"context"
	"regexp"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/drydock/drydock/registry"
)

var _ registry.Listener = (*Queue)(nil)

// cosignTag is the tag cosign stores signatures, attestations and SBOMs
// under when the registry has no referrers API in use.
var cosignTag = regexp.MustCompile(`^sha(256|512)-[0-9a-f]+\.(sig|att|sbom)$`)

// Notify enqueues a scan of every pushed image or index; referrer
// artifacts (signatures, attestations, SBOMs) and other artifacts are not
// images and are left alone.
func (q *Queue) Notify(ctx context.Context, e registry.Event) {
	if e.Kind != registry.EventManifestPushed || !Scannable(e) {
		return
	}
	// The request may be over before the queue answers.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if _, err := q.Enqueue(ctx, e.Repo, e.Digest.String()); err != nil {
		q.o.logger.Error("drydock: enqueue scan on push", "repo", e.Repo, "digest", e.Digest.String(), "err", err)
	}
}

// Scannable is true for a pushed image manifest or index that is not a
// referrer artifact.
func Scannable(e registry.Event) bool {
	if e.Subject != "" || cosignTag.MatchString(e.Tag) {
		return false
	}
	switch types.MediaType(e.MediaType) {
	case types.OCIImageIndex, types.DockerManifestList:
		return e.ArtifactType == ""
	case types.OCIManifestSchema1, types.DockerManifestSchema2:
		switch types.MediaType(e.ArtifactType) {
		case "", types.OCIConfigJSON, types.DockerConfigJSON:
			return true
		}
	}
	return false
}
