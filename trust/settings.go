package trust

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/sign"
	"github.com/drydock/drydock/store"
)

// Error is a trust setting the caller got wrong: a missing namespace, a
// key that does not parse, a key name that is not there.
type Error struct{ Err error }

func (e *Error) Error() string { return "trust: " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// InvalidInput marks the error as the caller's (exit 2, HTTP 400).
func (e *Error) InvalidInput() bool { return true }

// Settings changes namespaces' protection and trusted keys, auditing each
// change.
type Settings struct {
	st    *store.Store
	audit auditlog.Recorder
	now   func() time.Time
}

// NewSettings manages trust in st; audit may be nil.
func NewSettings(st *store.Store, audit auditlog.Recorder) *Settings {
	return &Settings{st: st, audit: audit, now: time.Now}
}

func (s *Settings) record(ctx context.Context, actor auth.Principal, action, ns, target string) {
	if s.audit == nil {
		return
	}
	_ = s.audit.Record(ctx, auditlog.Event{Time: s.now().UTC(), Actor: actor.Name, Action: action,
		Repo: ns, Target: target, Outcome: auditlog.OutcomeAllowed})
}

// notFound says a missing namespace or key the way callers classify it:
// auth.ErrNotFound (exit 2, HTTP 404).
func notFound(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("trust: %w: %v", auth.ErrNotFound, err)
	}
	return err
}

// requireAdmin lets only system administrators (and local CLI users)
// change protection: a namespace's own admins are who it protects against.
func (s *Settings) requireAdmin(ctx context.Context, actor auth.Principal, action, ns string) error {
	if actor.Admin {
		return nil
	}
	if s.audit != nil {
		_ = s.audit.Record(ctx, auditlog.Event{Time: s.now().UTC(), Actor: actor.Name, Action: action, Repo: ns,
			Outcome: auditlog.OutcomeDenied, Reason: "not a system administrator"})
	}
	return fmt.Errorf("%w: %s needs a system administrator", auth.ErrForbidden, action)
}

// Protect sets whether ns takes tags only for CI-passed images, and
// whether its pulls need a trusted signature.
func (s *Settings) Protect(ctx context.Context, actor auth.Principal, ns string, protected, requireSignature bool) error {
	if err := s.requireAdmin(ctx, actor, "namespace.protect", ns); err != nil {
		return err
	}
	t := store.NamespaceTrust{Namespace: ns, Protected: protected, RequireSignature: requireSignature, Updated: s.now(), UpdatedBy: actor.Name}
	if err := s.st.PutNamespaceTrust(ctx, t); err != nil {
		return notFound(err)
	}
	s.record(ctx, actor, "namespace.protect", ns, fmt.Sprintf("protected=%t requireSignature=%t", protected, requireSignature))
	return nil
}

// Configure sets ns's allowed source repositories when sourceRepos is not
// nil, then its protection, as `drydock trust protect` and the REST API
// do: the repositories first, so that a bad one changes nothing.
func (s *Settings) Configure(ctx context.Context, actor auth.Principal, ns string, protected, requireSignature bool, sourceRepos *[]string) error {
	if sourceRepos != nil {
		if err := s.SetSourceRepos(ctx, actor, ns, *sourceRepos); err != nil {
			return err
		}
	}
	return s.Protect(ctx, actor, ns, protected, requireSignature)
}

// Get returns ns's protection.
func (s *Settings) Get(ctx context.Context, ns string) (store.NamespaceTrust, error) {
	return s.st.GetNamespaceTrust(ctx, ns)
}

// AddKey trusts the PEM public key pemKey, under name, for ns.
func (s *Settings) AddKey(ctx context.Context, actor auth.Principal, ns, name string, pemKey []byte) (store.TrustedKey, error) {
	if err := s.requireAdmin(ctx, actor, "trust.key.add", ns); err != nil {
		return store.TrustedKey{}, err
	}
	if name == "" {
		return store.TrustedKey{}, &Error{errors.New("a trusted key needs a name")}
	}
	k, err := sign.ParsePublicKey(pemKey, name)
	if err != nil {
		return store.TrustedKey{}, &Error{err}
	}
	tk := store.TrustedKey{Namespace: ns, Name: name, PublicKey: string(pemKey), Hint: k.Hint, Added: s.now(), AddedBy: actor.Name}
	if err := s.st.AddTrustedKey(ctx, tk); err != nil {
		return store.TrustedKey{}, notFound(err)
	}
	s.record(ctx, actor, "trust.key.add", ns, name+" "+k.Hint)
	return tk, nil
}

// RemoveKey stops trusting ns's key name.
func (s *Settings) RemoveKey(ctx context.Context, actor auth.Principal, ns, name string) error {
	if err := s.requireAdmin(ctx, actor, "trust.key.remove", ns); err != nil {
		return err
	}
	if err := s.st.RemoveTrustedKey(ctx, ns, name); err != nil {
		return notFound(err)
	}
	s.record(ctx, actor, "trust.key.remove", ns, name)
	return nil
}

// Keys lists ns's trusted keys.
func (s *Settings) Keys(ctx context.Context, ns string) ([]store.TrustedKey, error) {
	return s.st.TrustedKeys(ctx, ns)
}

// maxSourceRepos bounds a namespace's allowed source repositories.
const maxSourceRepos = 100

// SetSourceRepos replaces ns's allowed source repositories; none means
// admission does not ask for provenance. Each is compared exactly with
// the source repository a SLSA provenance attestation names (what
// `drydock gate --source-repo` writes).
func (s *Settings) SetSourceRepos(ctx context.Context, actor auth.Principal, ns string, uris []string) error {
	if err := s.requireAdmin(ctx, actor, "namespace.source-repos", ns); err != nil {
		return err
	}
	if len(uris) > maxSourceRepos {
		return &Error{fmt.Errorf("%d source repositories: at most %d", len(uris), maxSourceRepos)}
	}
	for _, u := range uris {
		if err := checkSourceRepo(u); err != nil {
			return &Error{err}
		}
	}
	if err := s.st.SetSourceRepos(ctx, ns, uris); err != nil {
		return notFound(err)
	}
	s.record(ctx, actor, "namespace.source-repos", ns, strings.Join(uris, " "))
	return nil
}

// SourceRepos lists ns's allowed source repositories.
func (s *Settings) SourceRepos(ctx context.Context, ns string) ([]string, error) {
	return s.st.SourceRepos(ctx, ns)
}

func checkSourceRepo(u string) error {
	switch {
	case u == "":
		return errors.New("an empty source repository")
	case len(u) > 2048:
		return fmt.Errorf("source repository %.40q…: longer than 2048 bytes", u)
	case strings.IndexFunc(u, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return fmt.Errorf("source repository %q: contains white space or a control character", u)
	}
	return nil
}
