// Package trust owns protected namespaces: in a namespace marked protected,
// a tag may move only to an image that carries a verdict attestation with
// verdict "pass", signed by one of the namespace's trusted CI keys — what
// `drydock gate` attaches. A direct push of anything else (by an admin
// too) is refused; referrer artifacts (signatures, attestations) need no
// tag and pass. A namespace may also require, for every pull, a signature
// that verifies with a trusted key. Gate is a registry.Gate wrapped around
// the next gate (enforcement's quarantine), so both apply.
package trust

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/blobstore"
	"github.com/drydock/drydock/registry"
	"github.com/drydock/drydock/sign"
	"github.com/drydock/drydock/store"
)

// maxBundles bounds the referrers examined for one decision.
const maxBundles = 64

// maxBundleSize bounds one bundle read from the blob store.
const maxBundleSize = 64 << 20

// Gate refuses tag moves in protected namespaces to images the CI did not
// pass, and (where required) pulls of images no trusted key signed.
type Gate struct {
	next  registry.Gate
	st    *store.Store
	blobs *blobstore.Store
	// verified remembers digests of a repository found signed (or passed)
	// under a set of trusted keys: manifests and their signatures never
	// change, and a removed key changes the set, so an entry is never wrong.
	verified sync.Map // cacheKey → struct{}
	size     atomic.Int64
}

type cacheKey struct {
	repo          string
	dgst          digest.Digest
	predicateType string
	keys          string
}

// maxCached bounds the cache; past it the cache starts again empty.
const maxCached = 100_000

func keySet(keys []*sign.PublicKey) string {
	hints := make([]string, len(keys))
	for i, k := range keys {
		hints[i] = k.Hint
	}
	slices.Sort(hints)
	return strings.Join(hints, ",")
}

func (g *Gate) remember(k cacheKey) {
	if g.size.Add(1) > maxCached {
		g.verified.Clear()
		g.size.Store(1)
	}
	g.verified.Store(k, struct{}{})
}

var _ registry.Gate = (*Gate)(nil)

// New wraps next; nil next means registry.OpenGate.
func New(st *store.Store, blobs *blobstore.Store, next registry.Gate) *Gate {
	if next == nil {
		next = registry.OpenGate{}
	}
	return &Gate{next: next, st: st, blobs: blobs}
}

// MayTag allows a tag in a protected namespace only for a digest with a
// passing verdict signed by a trusted key, then asks the next gate.
func (g *Gate) MayTag(ctx context.Context, repo, tag string, dgst digest.Digest, p auth.Principal) error {
	ns, nt, keys, err := g.settings(ctx, repo)
	if err != nil {
		return err
	}
	if nt.Protected {
		if sign.IsLegacyTag(tag) {
			return &registry.Refusal{Message: fmt.Sprintf("namespace %s is protected: cosign's legacy tag %s is not accepted; attach signatures and attestations as OCI referrers (cosign's default bundle format, drydock sign)", ns, tag)}
		}
		if err := g.passed(ctx, ns, repo, dgst, keys); err != nil {
			return err
		}
	}
	return g.next.MayTag(ctx, repo, tag, dgst, p)
}

// MayServeManifest refuses, where the namespace requires signatures, an
// image no trusted key signed; referrer artifacts themselves are served.
func (g *Gate) MayServeManifest(ctx context.Context, repo string, dgst digest.Digest, p auth.Principal) error {
	ns, nt, keys, err := g.settings(ctx, repo)
	if err != nil {
		return err
	}
	if nt.RequireSignature {
		if err := g.signed(ctx, ns, repo, dgst, keys); err != nil {
			return err
		}
	}
	return g.next.MayServeManifest(ctx, repo, dgst, p)
}

// MayServeBlob asks the next gate.
func (g *Gate) MayServeBlob(ctx context.Context, repo string, dgst digest.Digest, p auth.Principal) error {
	return g.next.MayServeBlob(ctx, repo, dgst, p)
}

// CheckSignature refuses dgst of repo when its namespace requires
// signatures and no trusted key signed it (checked cryptographically);
// nil where none is required. Admission control asks it before a cluster
// runs an image.
func (g *Gate) CheckSignature(ctx context.Context, repo string, dgst digest.Digest) error {
	ns, nt, keys, err := g.settings(ctx, repo)
	if err != nil || !nt.RequireSignature {
		return err
	}
	return g.signed(ctx, ns, repo, dgst, keys)
}

func (g *Gate) settings(ctx context.Context, repo string) (string, store.NamespaceTrust, []*sign.PublicKey, error) {
	ns, ok := auth.NamespaceOf(repo)
	if !ok {
		return "", store.NamespaceTrust{}, nil, nil
	}
	nt, err := g.st.GetNamespaceTrust(ctx, ns)
	if err != nil || (!nt.Protected && !nt.RequireSignature) {
		return ns, nt, nil, err
	}
	keys, err := g.trustedKeys(ctx, ns)
	return ns, nt, keys, err
}

// trustedKeys are ns's trusted keys, parsed.
func (g *Gate) trustedKeys(ctx context.Context, ns string) ([]*sign.PublicKey, error) {
	stored, err := g.st.TrustedKeys(ctx, ns)
	if err != nil {
		return nil, err
	}
	var keys []*sign.PublicKey
	for _, k := range stored {
		pk, err := sign.ParsePublicKey([]byte(k.PublicKey), k.Name)
		if err != nil {
			return nil, fmt.Errorf("trust: stored key %s of namespace %s: %w", k.Name, ns, err)
		}
		keys = append(keys, pk)
	}
	return keys, nil
}

// passed finds a verdict attestation with verdict pass about dgst, signed
// by one of keys, among dgst's bundle referrers in repo.
func (g *Gate) passed(ctx context.Context, ns, repo string, dgst digest.Digest, keys []*sign.PublicKey) error {
	refuse := func(why string) error {
		return &registry.Refusal{Message: fmt.Sprintf("namespace %s is protected: a tag may only point at an image that `drydock gate` passed, with a verdict attestation signed by a trusted CI key; %s %s", ns, dgst, why)}
	}
	if len(keys) == 0 {
		return refuse("cannot qualify: the namespace trusts no key yet (drydock trust key add)")
	}
	ck := cacheKey{repo, dgst, sign.PredicateVerdict, keySet(keys)}
	if _, ok := g.verified.Load(ck); ok {
		return nil
	}
	found, rejected, err := g.statements(ctx, repo, dgst, keys, sign.PredicateVerdict)
	if err != nil {
		return err
	}
	for _, st := range found {
		var v struct{ Verdict string }
		if json.Unmarshal(st.Predicate, &v) == nil && v.Verdict == "pass" {
			g.remember(ck)
			return nil
		}
		rejected = append(rejected, "a verdict other than pass")
	}
	if len(rejected) == 0 {
		return refuse("has no verdict attestation")
	}
	return refuse("has no valid one: " + strings.Join(rejected, "; "))
}

// signed finds a signature about dgst by one of keys, unless dgst is a
// referrer artifact itself.
func (g *Gate) signed(ctx context.Context, ns, repo string, dgst digest.Digest, keys []*sign.PublicKey) error {
	ck := cacheKey{repo, dgst, sign.PredicateCosignSign, keySet(keys)}
	if _, ok := g.verified.Load(ck); ok {
		return nil
	}
	m, err := g.st.GetManifest(ctx, repo, dgst.String())
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil // the registry answers "unknown" itself
		}
		return err
	}
	if m.Subject != "" {
		return nil
	}
	found, rejected, err := g.statements(ctx, repo, dgst, keys, sign.PredicateCosignSign)
	if err != nil {
		return err
	}
	if len(found) > 0 {
		g.remember(ck)
		return nil
	}
	msg := fmt.Sprintf("namespace %s requires a signature by a trusted key: %s has none", ns, dgst)
	if len(rejected) > 0 {
		msg += " that verifies (" + strings.Join(rejected, "; ") + ")"
	}
	return &registry.Refusal{Message: msg}
}

// statements returns the verified statements of predicateType about dgst
// in its bundle referrers, and why other bundles were rejected.
func (g *Gate) statements(ctx context.Context, repo string, dgst digest.Digest, keys []*sign.PublicKey, predicateType string) ([]*sign.Statement, []string, error) {
	refs, err := g.st.Referrers(ctx, repo, dgst.String(), sign.BundleMediaType)
	if err != nil {
		return nil, nil, err
	}
	var found []*sign.Statement
	var rejected []string
	for i, r := range refs {
		if i == maxBundles {
			rejected = append(rejected, fmt.Sprintf("more than %d bundles; the rest were not read", maxBundles))
			break
		}
		b, err := g.bundle(ctx, repo, r.Digest)
		if err != nil {
			return nil, nil, err
		}
		if b == nil {
			continue
		}
		st, _, err := sign.VerifyBundle(b, dgst, keys)
		if err != nil {
			rejected = append(rejected, "bundle "+r.Digest+": "+err.Error())
			continue
		}
		if st.PredicateType == predicateType {
			found = append(found, st)
		}
	}
	return found, rejected, nil
}

// bundle reads the bundle layer of the referrer manifest d; nil when it
// has none.
func (g *Gate) bundle(ctx context.Context, repo, d string) ([]byte, error) {
	m, err := g.st.GetManifest(ctx, repo, d)
	if err != nil {
		return nil, err
	}
	var parsed struct {
		Layers []struct {
			MediaType string `json:"mediaType"`
			Digest    string `json:"digest"`
			Size      int64  `json:"size"`
		} `json:"layers"`
	}
	if err := json.Unmarshal(m.Content, &parsed); err != nil {
		return nil, nil
	}
	for _, l := range parsed.Layers {
		if l.MediaType != sign.BundleMediaType || l.Size > maxBundleSize {
			continue
		}
		bd, err := blobstore.ParseDigest(l.Digest)
		if err != nil {
			continue
		}
		rc, err := g.blobs.Open(ctx, bd, 0)
		if err != nil {
			return nil, fmt.Errorf("trust: bundle %s: %w", l.Digest, err)
		}
		b, err := io.ReadAll(io.LimitReader(rc, maxBundleSize))
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("trust: bundle %s: %w", l.Digest, err)
		}
		return b, nil
	}
	return nil, nil
}
