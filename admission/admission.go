// Package admission is drydock's Kubernetes admission webhook
// (AdmissionReview v1): a cluster runs only what drydock's policy passes,
// pinned to the digest it passed. The mutating endpoint rewrites each
// container image named by tag in drydock's registry to repo@sha256:…; the
// validating endpoint refuses, per namespace policy, an image from a
// registry that is not drydock's, one without a passing verdict (an
// unknown digest is scanned on demand within the deadline), and one
// without a trusted signature where the namespace requires it, and one
// without signed provenance from an allowed source repository where the
// namespace lists those. It reads
// everything through small seams that server wires to the registry
// service, the enforcement gate, the scan queue and the trust gate; it
// never scans or verifies anything itself.
package admission

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/auditlog"
)

// Refused is a check's "no": a reason to refuse an image, as opposed to
// an error in drydock itself (which refuses too, fail-closed, and is
// logged as a failure). Server's adapters turn the registry's and the
// gates' refusals into it.
type Refused struct{ Reason string }

func (e *Refused) Error() string { return e.Reason }

// Resolver finds a manifest in drydock's registry by tag or digest:
// registry.Service through server's adapter. An unknown manifest or a
// refusal by the registry's gate is a *Refused.
type Resolver interface {
	Resolve(ctx context.Context, repo, ref string) (digest.Digest, error)
}

// Verdicts judges a digest under its namespace's policy
// (enforce.Gate.Judge); a *Refused carries the reasons.
type Verdicts interface {
	Judge(ctx context.Context, repo string, dgst digest.Digest) error
}

// Scans says whether anything is stored about a digest and queues a scan
// of one that has never been scanned.
type Scans interface {
	// Known reports whether a scan result (pending or final) is stored.
	Known(ctx context.Context, repo string, dgst digest.Digest) (bool, error)
	// Final reports whether the stored result is final (scanned or failed).
	Final(ctx context.Context, repo string, dgst digest.Digest) (bool, error)
	// Enqueue queues a scan of dgst as pushed to repo.
	Enqueue(ctx context.Context, repo string, dgst digest.Digest) error
}

// Signatures refuses a digest that its namespace requires to be signed by
// a trusted key and is not (trust.Gate.CheckSignature) with a *Refused.
type Signatures interface {
	CheckSignature(ctx context.Context, repo string, dgst digest.Digest) error
}

// Provenance refuses a digest whose namespace lists allowed source
// repositories and that carries no SLSA provenance from one of them signed
// by a trusted key (trust.Gate.CheckProvenance) with a *Refused.
type Provenance interface {
	CheckProvenance(ctx context.Context, repo string, dgst digest.Digest) error
}

// Mode is what the validating webhook does with an image it would refuse.
type Mode string

// The modes.
const (
	// Enforce refuses the object.
	Enforce Mode = "enforce"
	// Audit admits it with Kubernetes warnings and records what it would
	// have refused.
	Audit Mode = "audit"
)

// Config is the admission policy.
type Config struct {
	// Registries are the host[:port] names under which the cluster pulls
	// from drydock's registry; an image from any other registry is refused.
	// At least one is needed.
	Registries []string
	// Mode applies to every Kubernetes namespace not in Namespaces.
	// Default Enforce.
	Mode Mode
	// Namespaces overrides Mode for single Kubernetes namespaces.
	Namespaces map[string]Mode
	// Timeout bounds one review, scans on demand included; it must stay
	// below the webhook's timeoutSeconds at the API server (default 10 s
	// there). Default 8 s.
	Timeout time.Duration
	// CacheTTL is how long a digest's verdict and signature checks are
	// reused before they are asked again (a verdict change in this process
	// invalidates at once through Invalidate). Default 30 s.
	CacheTTL time.Duration
	// PollEvery is how often a scan on demand is looked at. Default 100 ms.
	PollEvery time.Duration
}

// ConfigError is an admission configuration that cannot work.
type ConfigError struct{ Msg string }

func (e *ConfigError) Error() string { return "admission: " + e.Msg }

// InvalidInput reports true: the configuration is the caller's.
func (e *ConfigError) InvalidInput() bool { return true }

func (c *Config) defaults() error {
	if len(c.Registries) == 0 {
		return &ConfigError{Msg: "no registry names: give the host[:port] the cluster pulls drydock's images from"}
	}
	for i, r := range c.Registries {
		r = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(r, "https://"), "http://"), "/")
		if r == "" || strings.ContainsAny(r, "/ @") {
			return &ConfigError{Msg: fmt.Sprintf("registry name %q is not a host[:port]", c.Registries[i])}
		}
		c.Registries[i] = r
	}
	if c.Mode == "" {
		c.Mode = Enforce
	}
	for ns, m := range c.Namespaces {
		if m != Enforce && m != Audit {
			return &ConfigError{Msg: fmt.Sprintf("namespace %s: mode %q is neither enforce nor audit", ns, m)}
		}
	}
	if c.Mode != Enforce && c.Mode != Audit {
		return &ConfigError{Msg: fmt.Sprintf("mode %q is neither enforce nor audit", c.Mode)}
	}
	if c.Timeout == 0 {
		c.Timeout = 8 * time.Second
	}
	if c.Timeout < 0 || c.Timeout >= 30*time.Second {
		return &ConfigError{Msg: fmt.Sprintf("timeout %s: the API server allows a webhook 1 to 30 s, and drydock must answer below it", c.Timeout)}
	}
	if c.CacheTTL == 0 {
		c.CacheTTL = 30 * time.Second
	}
	if c.PollEvery == 0 {
		c.PollEvery = 100 * time.Millisecond
	}
	return nil
}

// Webhook answers AdmissionReviews.
type Webhook struct {
	cfg      Config
	resolve  Resolver
	verdicts Verdicts
	scans    Scans
	sigs     Signatures
	prov     Provenance
	audit    auditlog.Recorder
	cache    *cache
	now      func() time.Time
}

// Parts are the seams a Webhook reads through; all are required.
type Parts struct {
	Resolver   Resolver
	Verdicts   Verdicts
	Scans      Scans
	Signatures Signatures
	Provenance Provenance
	Audit      auditlog.Recorder
}

// New builds the webhook.
func New(cfg Config, p Parts) (*Webhook, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	if p.Resolver == nil || p.Verdicts == nil || p.Scans == nil || p.Signatures == nil || p.Provenance == nil || p.Audit == nil {
		return nil, errors.New("admission: New needs a resolver, verdicts, scans, signatures, provenance and an audit log")
	}
	cfg.Registries = slices.Clone(cfg.Registries)
	return &Webhook{cfg: cfg, resolve: p.Resolver, verdicts: p.Verdicts, scans: p.Scans, sigs: p.Signatures, prov: p.Provenance,
		audit: p.Audit, cache: newCache(cfg.CacheTTL), now: time.Now}, nil
}

// Invalidate drops the cached checks of dgst; server calls it when a
// verdict about dgst is stored or flips.
func (w *Webhook) Invalidate(dgst digest.Digest) { w.cache.drop(dgst) }

// modeOf returns the mode of a Kubernetes namespace.
func (w *Webhook) modeOf(ns string) Mode {
	if m, ok := w.cfg.Namespaces[ns]; ok {
		return m
	}
	return w.cfg.Mode
}
