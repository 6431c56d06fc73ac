package registry

import (
	"context"
	"fmt"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/auth"
)

// EventKind names what happened to an artifact in the registry.
type EventKind string

// The events the registry publishes to its listeners.
const (
	// EventManifestPushed: a manifest was stored (by digest, and under Tag
	// when the push named one).
	EventManifestPushed EventKind = "manifest.pushed"
	// EventManifestPulled: a manifest was served (GET, not HEAD).
	EventManifestPulled EventKind = "manifest.pulled"
	// EventManifestDeleted: a manifest and every tag on it were removed.
	EventManifestDeleted EventKind = "manifest.deleted"
	// EventTagDeleted: one tag was removed; the manifest stays.
	EventTagDeleted EventKind = "tag.deleted"
	// EventPullDenied: a Gate refused to serve a manifest or blob.
	EventPullDenied EventKind = "pull.denied"
	// EventPushDenied: a Gate refused a tag push.
	EventPushDenied EventKind = "push.denied"
)

// Event is one thing that happened in the registry, as its listeners see
// it. Events are published after the change is durable in the store.
type Event struct {
	Kind EventKind
	// Repo is the repository ("team/app").
	Repo string
	// Digest is the manifest (or, for a refused blob, the blob) digest.
	Digest digest.Digest
	// MediaType and ArtifactType describe the manifest; Subject is the
	// digest it refers to, for referrer artifacts (signatures, SBOMs).
	MediaType    string
	ArtifactType string
	Subject      digest.Digest
	// Tag is the tag pushed, pulled or deleted; "" when by digest.
	Tag string
	// Actor is who did it; Addr the client's address.
	Actor auth.Principal
	Addr  string
	// Reason says why a request was denied.
	Reason string
	Time   time.Time
}

// Listener receives the registry's events. Notify is called after the
// change is durable, off the request path where it can be; it must not
// block for long and cannot undo what happened. Durable work (a scan) is
// queued by the listener, not done inside Notify.
type Listener interface {
	Notify(ctx context.Context, e Event)
}

// ListenerFunc adapts a function to Listener.
type ListenerFunc func(ctx context.Context, e Event)

// Notify calls f.
func (f ListenerFunc) Notify(ctx context.Context, e Event) { f(ctx, e) }

// Gate is asked before the registry serves content or moves a tag. It is
// how enforcement (quarantine, protected namespaces) reaches the registry
// without the registry importing the scanner or the policy.
//
// Each method returns nil to allow, a *Refusal to refuse (the client gets
// 403 DENIED with the refusal's message), or another error when the
// question could not be answered (the registry fails closed: 503).
type Gate interface {
	// MayServeManifest is asked before GET or HEAD of a manifest, by tag or
	// by digest; dgst is the resolved manifest digest.
	MayServeManifest(ctx context.Context, repo string, dgst digest.Digest, p auth.Principal) error
	// MayServeBlob is asked before GET or HEAD of a blob in repo.
	MayServeBlob(ctx context.Context, repo string, dgst digest.Digest, p auth.Principal) error
	// MayTag is asked before a manifest push that names a tag moves the tag
	// to dgst (the manifest itself is already verified).
	MayTag(ctx context.Context, repo, tag string, dgst digest.Digest, p auth.Principal) error
}

// Refusal is a Gate's "no": the registry answers 403 DENIED with Message,
// and Retry-After when RetryAfter is set (a scan still pending).
type Refusal struct {
	Message    string
	RetryAfter time.Duration
}

func (r *Refusal) Error() string {
	if r.RetryAfter > 0 {
		return fmt.Sprintf("%s (retry in %s)", r.Message, r.RetryAfter.Round(time.Second))
	}
	return r.Message
}

// OpenGate allows everything; it is the gate of a registry that does not
// enforce.
type OpenGate struct{}

var _ Gate = OpenGate{}

// MayServeManifest allows.
func (OpenGate) MayServeManifest(context.Context, string, digest.Digest, auth.Principal) error {
	return nil
}

// MayServeBlob allows.
func (OpenGate) MayServeBlob(context.Context, string, digest.Digest, auth.Principal) error {
	return nil
}

// MayTag allows.
func (OpenGate) MayTag(context.Context, string, string, digest.Digest, auth.Principal) error {
	return nil
}
