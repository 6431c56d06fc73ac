package server

import (
	"context"
	"errors"
	"slices"

	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/admission"
	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/jobs"
	"github.com/drydock/drydock/registry"
	"github.com/drydock/drydock/store"
)

// buildAdmission is the one place the admission webhook is assembled: tags
// resolve through the registry service (and its gate), verdicts are
// judged by enforcement's gate (the quarantine's, with its cache) under
// each namespace's policy, unknown digests go to the scan queue,
// signatures and provenance to the registry's trust gate. A stored scan or a rematch's flip drops
// the webhook's cached checks of that digest.
func (s *Server) buildAdmission() (*admission.Webhook, error) {
	cfg := admission.Config{Registries: s.cfg.AdmissionRegistries, Timeout: s.cfg.AdmissionTimeout, Namespaces: map[string]admission.Mode{}}
	for _, ns := range s.cfg.AdmissionAudit {
		if ns == "*" {
			cfg.Mode = admission.Audit
			continue
		}
		cfg.Namespaces[ns] = admission.Audit
	}
	wh, err := admission.New(cfg, admission.Parts{
		Resolver:   admissionResolver{s.reg.Service()},
		Verdicts:   refusals{judge: s.gate.Judge},
		Scans:      admissionScans{st: s.st, q: s.jobs},
		Signatures: refusals{judge: s.trust.CheckSignature},
		Provenance: refusals{judge: s.trust.CheckProvenance},
		Audit:      s.audit,
	})
	if err != nil {
		return nil, err
	}
	s.jobs.AddHooks(jobs.Hooks{ScanCompleted: func(e jobs.ScanCompleted) { wh.Invalidate(digest.Digest(e.Digest)) }})
	s.rematch.InvalidateWith(func(d digest.Digest) {
		s.gate.Invalidate(d)
		wh.Invalidate(d)
	})
	return wh, nil
}

// admissionResolver resolves through the registry service, as the
// cluster's pull will: an unknown manifest or the gate's refusal is a
// reason to refuse the image.
type admissionResolver struct{ svc *registry.Service }

func (a admissionResolver) Resolve(ctx context.Context, repo, ref string) (digest.Digest, error) {
	c := registry.Caller{Principal: auth.Principal{Name: "admission", Kind: "local"}}
	m, err := a.svc.Manifest(ctx, c, repo, ref, false)
	var re *registry.Error
	switch {
	case err == nil:
		return digest.Digest(m.Digest), nil
	case errors.As(err, &re) && slices.Contains([]registry.ErrorCode{registry.CodeManifestUnknown, registry.CodeNameUnknown}, re.Code):
		return "", &admission.Refused{Reason: "not in drydock's registry (" + repo + ":" + ref + " is unknown)"}
	case errors.As(err, &re) && re.Code == registry.CodeDenied:
		return "", &admission.Refused{Reason: "the registry refuses to serve it: " + re.Message}
	}
	return "", err
}

// refusals turns a gate's *registry.Refusal into an admission refusal.
type refusals struct {
	judge func(ctx context.Context, repo string, d digest.Digest) error
}

func (r refusals) Judge(ctx context.Context, repo string, d digest.Digest) error {
	err := r.judge(ctx, repo, d)
	var ref *registry.Refusal
	if errors.As(err, &ref) {
		return &admission.Refused{Reason: ref.Message}
	}
	return err
}

func (r refusals) CheckSignature(ctx context.Context, repo string, d digest.Digest) error {
	return r.Judge(ctx, repo, d)
}

func (r refusals) CheckProvenance(ctx context.Context, repo string, d digest.Digest) error {
	return r.Judge(ctx, repo, d)
}

// admissionScans reads the stored verdicts and queues scans on demand.
type admissionScans struct {
	st *store.Store
	q  *jobs.Queue
}

func (a admissionScans) status(ctx context.Context, repo string, d digest.Digest) (store.VerdictStatus, bool, error) {
	ns, _ := auth.NamespaceOf(repo)
	v, err := a.st.GetVerdict(ctx, ns, d.String())
	if errors.Is(err, store.ErrNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return v.Status, true, nil
}

func (a admissionScans) Known(ctx context.Context, repo string, d digest.Digest) (bool, error) {
	_, ok, err := a.status(ctx, repo, d)
	return ok, err
}

func (a admissionScans) Final(ctx context.Context, repo string, d digest.Digest) (bool, error) {
	st, ok, err := a.status(ctx, repo, d)
	return ok && st != store.VerdictPending, err
}

func (a admissionScans) Enqueue(ctx context.Context, repo string, d digest.Digest) error {
	_, err := a.q.Enqueue(ctx, repo, d.String())
	return err
}
