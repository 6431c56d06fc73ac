package enforce

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/policy"
	"github.com/drydock/drydock/registry"
	"github.com/drydock/drydock/store"
)

// Gate is the quarantine: in a namespace that enforces, it refuses to
// serve an image manifest (GET and HEAD, by tag or digest) unless its
// stored findings pass the namespace's policy now, and refuses a blob that
// only quarantined manifests of the repository use. Everyone is refused,
// system administrators too; a robot with the bypass-quarantine grant is
// let through and the pull is audited. Namespaces that do not enforce cost
// one map lookup.
//
// Decisions are cached by manifest digest and policy digest until the
// stored result changes (Invalidate, or a new Version seen after the
// recheck interval), the policy changes, or one of the policy's exceptions
// expires.
type Gate struct {
	settings   *Settings
	scans      Scans
	st         *store.Store
	now        func() time.Time
	audit      auditlog.Recorder
	retryAfter time.Duration
	recheck    time.Duration

	mu        sync.RWMutex
	decisions map[decisionKey]*decision
	gated     sync.Map // digest.Digest → bool; manifests never change
}

var _ registry.Gate = (*Gate)(nil)

type decisionKey struct {
	ns     string
	dgst   digest.Digest
	policy string
}

type decision struct {
	version string
	checked time.Time // when the stored result was last read
	until   time.Time // when time alone may change the decision; zero: never
	refusal *registry.Refusal
}

// maxDecisions bounds the cache; past it the cache starts again empty.
const maxDecisions = 100_000

// NewGate builds the quarantine over settings, the stored scan results and
// the registry's store (which manifests use a blob, which manifests are
// images). Options read: WithClock, WithAudit, WithRetryAfter, WithRecheck.
func NewGate(settings *Settings, scans Scans, st *store.Store, opts ...Option) (*Gate, error) {
	if settings == nil || scans == nil || st == nil {
		return nil, &InputError{Err: errors.New("enforce: NewGate needs settings, scan results and the store")}
	}
	o, err := newOptions(opts)
	if err != nil {
		return nil, err
	}
	g := &Gate{
		settings: settings, scans: scans, st: st, now: o.now, audit: o.audit,
		retryAfter: o.retryAfter, recheck: o.recheck, decisions: map[decisionKey]*decision{},
	}
	settings.OnChange(func(string) { g.clear() })
	return g, nil
}

// MayServeManifest refuses a quarantined image manifest.
func (g *Gate) MayServeManifest(ctx context.Context, repo string, dgst digest.Digest, p auth.Principal) error {
	n := g.enforcing(ctx, repo)
	if n == nil {
		return nil
	}
	gated, err := g.isGated(ctx, repo, dgst)
	if err != nil || !gated {
		return err
	}
	err = g.judge(ctx, n, repo, dgst)
	return g.bypass(ctx, repo, dgst, p, err)
}

// MayServeBlob refuses a blob that only quarantined image manifests of
// repo use. A blob no manifest uses yet (a push in progress) is served,
// and so is a HEAD: it tells a client pushing a fixed image that a layer
// it shares with the quarantined one is there, not what is in it.
func (g *Gate) MayServeBlob(ctx context.Context, repo string, dgst digest.Digest, p auth.Principal) error {
	n := g.enforcing(ctx, repo)
	if n == nil || registry.AskedForHead(ctx) {
		return nil
	}
	users, err := g.st.ManifestsWithBlob(ctx, repo, dgst.String())
	if err != nil {
		return err
	}
	var first error
	for _, m := range users {
		md := digest.Digest(m)
		gated, err := g.isGated(ctx, repo, md)
		if err != nil {
			return err
		}
		if !gated {
			return nil
		}
		err = g.judge(ctx, n, repo, md)
		var r *registry.Refusal
		switch {
		case err == nil:
			return nil
		case !errors.As(err, &r):
			return err
		case first == nil:
			first = &registry.Refusal{Message: fmt.Sprintf("blob %s belongs only to quarantined images; %s", short(dgst), r.Message), RetryAfter: r.RetryAfter}
		}
	}
	return g.bypass(ctx, repo, dgst, p, first)
}

// Judge decides dgst of repo under its namespace's policy whether or not
// the namespace quarantines, with the same cache as the quarantine: what
// admission control asks before a cluster runs an image. nil passes; a
// *registry.Refusal says why not (including "not scanned yet").
func (g *Gate) Judge(ctx context.Context, repo string, dgst digest.Digest) error {
	ns, ok := auth.NamespaceOf(repo)
	if !ok {
		return &registry.Refusal{Message: fmt.Sprintf("%s is in no namespace, so no policy judges it", repo)}
	}
	n, _ := g.settings.Lookup(ctx, ns)
	return g.judge(ctx, &n, repo, dgst)
}

// MayTag allows: quarantine is about serving, not pushing.
func (g *Gate) MayTag(context.Context, string, string, digest.Digest, auth.Principal) error {
	return nil
}

// Invalidate drops the cached decisions about dgst; whoever rewrites a
// stored result in this process calls it.
func (g *Gate) Invalidate(dgst digest.Digest) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for k := range g.decisions {
		if k.dgst == dgst {
			delete(g.decisions, k)
		}
	}
}

func (g *Gate) clear() {
	g.mu.Lock()
	g.decisions = map[decisionKey]*decision{}
	g.mu.Unlock()
}

// enforcing returns the settings of repo's namespace when it quarantines.
func (g *Gate) enforcing(ctx context.Context, repo string) *Namespace {
	ns, ok := auth.NamespaceOf(repo)
	if !ok {
		return nil
	}
	return g.settings.enforcing(ctx, ns)
}

// bypass lets a robot with the grant past a refusal, and audits it.
func (g *Gate) bypass(ctx context.Context, repo string, dgst digest.Digest, p auth.Principal, err error) error {
	var r *registry.Refusal
	if err == nil || !errors.As(err, &r) || !g.settings.mayBypass(ctx, p) {
		return err
	}
	if g.audit != nil {
		_ = g.audit.Record(ctx, auditlog.Event{Time: g.now().UTC(), Actor: p.Name, Action: "pull.bypass-quarantine", Repo: repo,
			Target: dgst.String(), Outcome: auditlog.OutcomeAllowed, Reason: "bypass-quarantine grant; would be refused: " + r.Message})
	}
	return nil
}

// isGated reports whether a manifest is judged: images and indexes are;
// attachments (a subject field) and artifacts that are not images
// (signatures, SBOMs, attestations) are served, since verifying an image
// needs them.
func (g *Gate) isGated(ctx context.Context, repo string, dgst digest.Digest) (bool, error) {
	if v, ok := g.gated.Load(dgst); ok {
		return v.(bool), nil
	}
	m, err := g.st.GetManifest(ctx, repo, dgst.String())
	if errors.Is(err, store.ErrNotFound) {
		return true, nil // not cached: it may be pushed in a moment
	}
	if err != nil {
		return false, err
	}
	gated := m.Subject == "" && isImage(m.MediaType, m.ConfigMediaType)
	g.gated.Store(dgst, gated)
	return gated, nil
}

func isImage(mediaType, configMediaType string) bool {
	switch mediaType {
	case "application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json":
		return true
	}
	switch configMediaType {
	case "application/vnd.oci.image.config.v1+json", "application/vnd.docker.container.image.v1+json":
		return true
	}
	return false
}

// judge decides one manifest of repo under n's policy, from the cache when
// it can. An index is judged by its platform manifests: one refused
// refuses it.
func (g *Gate) judge(ctx context.Context, n *Namespace, repo string, dgst digest.Digest) error {
	if n.Broken != nil {
		return &registry.Refusal{Message: fmt.Sprintf("quarantined: the policy of namespace %s does not load (%v); an admin must set it again", n.Name, n.Broken)}
	}
	pol := n.Policy
	if pol == nil {
		pol = g.settings.fallback
	}
	key := decisionKey{ns: n.Name, dgst: dgst, policy: pol.ID().Digest}
	now := g.now()
	g.mu.RLock()
	d := g.decisions[key]
	g.mu.RUnlock()
	timeOK := d != nil && (d.until.IsZero() || now.Before(d.until))
	if timeOK && now.Sub(d.checked) < g.recheck {
		return refusalOrNil(d.refusal)
	}
	res, err := g.scans.Result(ctx, repo, dgst)
	if err != nil {
		return fmt.Errorf("enforce: scan result of %s: %w", dgst, err)
	}
	if res == nil || res.State == StatePending {
		return &registry.Refusal{Message: fmt.Sprintf("quarantined: %s has not been scanned yet; scan pending, retry in %d s", short(dgst), int(g.retryAfter.Seconds())), RetryAfter: g.retryAfter}
	}
	if res.State == StateFailed {
		return &registry.Refusal{Message: fmt.Sprintf("quarantined: the scan of %s failed (%s); it is retried, retry in %d s", short(dgst), res.Error, int(g.retryAfter.Seconds())), RetryAfter: g.retryAfter}
	}
	if len(res.Children) > 0 {
		for _, c := range res.Children {
			err := g.judge(ctx, n, repo, c)
			var r *registry.Refusal
			if errors.As(err, &r) {
				return &registry.Refusal{Message: fmt.Sprintf("index %s: platform %s", short(dgst), r.Message), RetryAfter: r.RetryAfter}
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	if res.Inventory == nil {
		// Only a verdict is stored: it is all there is to go by.
		if res.Pass != nil && *res.Pass {
			return nil
		}
		return &registry.Refusal{Message: fmt.Sprintf("quarantined: %s failed policy %q when it was scanned", short(dgst), pol.ID().Name)}
	}
	if timeOK && d.version == res.Version {
		g.store(key, &decision{version: d.version, checked: now, until: d.until, refusal: d.refusal})
		return refusalOrNil(d.refusal)
	}
	v, err := pol.Evaluate(ctx, policy.Input{Inventory: res.Inventory, Findings: res.Findings, Now: now})
	if err != nil {
		return fmt.Errorf("enforce: judging %s: %w", dgst, err)
	}
	nd := &decision{version: res.Version, checked: now}
	if !v.Pass {
		nd.refusal = refusalFor(dgst, v)
	}
	if t, ok := pol.NextExpiry(now); ok {
		nd.until = t
	}
	if pol.HasMaxAge() && (nd.until.IsZero() || nd.until.After(now.Add(time.Minute))) {
		nd.until = now.Add(time.Minute)
	}
	g.store(key, nd)
	return refusalOrNil(nd.refusal)
}

func (g *Gate) store(k decisionKey, d *decision) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.decisions) >= maxDecisions {
		g.decisions = map[decisionKey]*decision{}
	}
	g.decisions[k] = d
}

// refusalOrNil keeps a nil *Refusal from becoming a non-nil error.
func refusalOrNil(r *registry.Refusal) error {
	if r == nil {
		return nil
	}
	return r
}
